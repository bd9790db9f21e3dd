from fitflow.kit.errors import NotFound


class PlanNotFound(NotFound):
    code = "plan_not_found"
    message = "No such plan in this studio."
