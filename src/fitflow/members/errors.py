from fitflow.kit.errors import Conflict, NotFound


class MemberNotFound(NotFound):
    code = "member_not_found"
    message = "No such member in this studio."


class AlreadyMember(Conflict):
    code = "already_member"
    message = "You are already a member of this studio."
