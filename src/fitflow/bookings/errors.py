from fitflow.kit.errors import AppError, Conflict, NotFound


class ClassSessionNotFound(NotFound):
    code = "class_session_not_found"
    message = "No such class session in this studio."


class BookingNotFound(NotFound):
    code = "booking_not_found"
    message = "No such booking in this studio."


class HoldNotFound(NotFound):
    code = "hold_not_found"
    message = "No such hold in this studio."


class TrainerNotFound(NotFound):
    code = "trainer_not_found"
    message = "No such trainer in this studio."


class UnknownTrainer(AppError):
    status = 422
    code = "unknown_trainer"
    message = "trainer_id is not a staff member of this studio."


class ClassSessionFull(Conflict):
    code = "class_session_full"
    message = "This class is full; join the waitlist to be told when a spot frees."


class FullAfterTidy(ClassSessionFull):
    """Full even after expired holds were freed (and offered to the waitlist): those
    changes are kept."""

    commit_changes = True


class ClassSessionNotPublished(Conflict):
    code = "class_session_not_published"
    message = "This class session is not published yet."


class ClassSessionCancelled(Conflict):
    code = "class_session_cancelled"
    message = "This class session was cancelled."


class ClassSessionStarted(Conflict):
    code = "class_session_started"
    message = "This class session has already started."


class BookingNotOpen(Conflict):
    code = "booking_not_open"
    message = "Booking for this class session has not opened yet."


class BookingClosed(Conflict):
    code = "booking_closed"
    message = "Booking for this class session has closed."


NOT_BOOKABLE: dict[str, type[Conflict]] = {
    error.code: error
    for error in (
        ClassSessionNotPublished,
        ClassSessionCancelled,
        ClassSessionStarted,
        BookingNotOpen,
        BookingClosed,
    )
}
"""The error for each reason `rules.booking_refusal` gives."""


class AlreadyBooked(Conflict):
    code = "already_booked"
    message = "You already have a spot (or a hold) in this class session."


class HoldExpired(AppError):
    status = 410
    code = "hold_expired"
    message = "This hold has expired; the spot was freed."
    commit_changes = True
    """The lapsed hold is recorded as expired and its spot offered on."""


class HoldNotActive(Conflict):
    code = "hold_not_active"
    message = "This hold was already confirmed or released."


class BookingNotCancellable(Conflict):
    code = "booking_not_cancellable"
    message = "Only a confirmed booking can be cancelled."


class BookingBlocked(AppError):
    status = 403
    code = "booking_blocked"
    message = "Too many late cancellations or no-shows: booking is paused for a while."


class CapacityBelowTaken(Conflict):
    code = "capacity_below_booked"
    message = "Capacity cannot go below the spots already booked, held or offered."


class TrainerBusy(Conflict):
    code = "trainer_busy"
    message = "The trainer already teaches at that time."


class SessionNotEditable(Conflict):
    code = "class_session_not_editable"
    message = "A cancelled or finished class session cannot be changed."


class WaitlistNotNeeded(Conflict):
    code = "class_session_not_full"
    message = "This class has spots left: book one instead of waiting."


class AlreadyWaiting(Conflict):
    code = "already_on_waitlist"
    message = "You are already on this waitlist."


class WaitlistFull(Conflict):
    code = "waitlist_full"
    message = "This waitlist is full."


class WaitlistClosed(Conflict):
    code = "waitlist_closed"
    message = "The waitlist for this class session has closed."


class NotOnWaitlist(NotFound):
    code = "not_on_waitlist"
    message = "You are not waiting for this class session."


class PaymentRequiredForHold(AppError):
    """Nothing the member holds pays; the hold is kept so it can be paid for."""

    status = 402
    code = "payment_required"
    message = "Nothing you hold pays for this class; your spot is held while you pay."
    commit_changes = True


class NotCheckable(Conflict):
    code = "booking_not_checkable"
    message = "Only a confirmed booking can be checked in."


class CheckinNotOpen(Conflict):
    code = "checkin_not_open"
    message = "Check-in for this class is not open now."


class ScheduleNotFound(NotFound):
    code = "schedule_not_found"
    message = "No such schedule in this studio."


class InvalidRecurrence(AppError):
    status = 422
    code = "invalid_rrule"
    message = "The rule is not an RFC 5545 RRULE FitFlow can schedule from."


class AvailabilityExceptionNotFound(NotFound):
    code = "time_away_not_found"
    message = "No such time away for this trainer."


class NotAnAppointment(AppError):
    status = 422
    code = "not_an_appointment"
    message = "class_type_id is not a 1:1 appointment service."


class SlotNotOffered(Conflict):
    code = "slot_not_available"
    message = "That slot is not free with this trainer; list the slots again."
