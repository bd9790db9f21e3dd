from fitflow.kit.errors import AppError, Conflict, NotFound


class OrganizationNotFound(NotFound):
    code = "organization_not_found"
    message = "No studio with this slug."


class SlugTaken(Conflict):
    code = "slug_taken"
    message = "Another studio already uses this slug."


class InvalidPolicy(AppError):
    status = 422
    code = "invalid_policy"
    message = "The policy is not valid; nothing was changed."


class StaffNotFound(NotFound):
    code = "staff_not_found"
    message = "No such staff member in this studio."


class AlreadyStaff(Conflict):
    code = "already_staff"
    message = "This person is already on the studio's staff."


class RoleNotAssignable(AppError):
    status = 403
    code = "role_not_assignable"
    message = "Your role cannot grant or change this role."


class LastOwner(Conflict):
    code = "last_owner"
    message = "A studio must keep at least one owner."


class UnknownUser(NotFound):
    code = "user_not_found"
    message = "No FitFlow account has this email; ask them to register first."
