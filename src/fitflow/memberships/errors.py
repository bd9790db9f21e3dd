from fitflow.kit.errors import AppError, Conflict, NotFound


class MembershipNotFound(NotFound):
    code = "membership_not_found"
    message = "No such membership in this studio."


class MembershipNotCurrent(Conflict):
    code = "membership_not_current"
    message = "This membership has ended or been cancelled."


class AlreadyFrozen(Conflict):
    code = "membership_already_frozen"
    message = "This membership already has a freeze running or planned."


class NotFrozen(Conflict):
    code = "membership_not_frozen"
    message = "This membership has no freeze running or planned."


class FreezeNotAllowed(AppError):
    status = 422
    code = "freeze_not_allowed"
    message = "This freeze is not allowed."


class CancellationScheduled(Conflict):
    code = "membership_cancellation_scheduled"
    message = "This membership is already set to end; it cannot be frozen."


class ClassesBookedInFreeze(Conflict):
    code = "membership_classes_booked"
    message = "Classes paid by this membership fall on those days; cancel them before freezing."
