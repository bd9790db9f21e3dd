"""/api/v1/orgs/{org}/trainers/{id}/availability, /time-away, /slots and /appointments."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, status

from fitflow.auth.deps import Session
from fitflow.bookings import appointments
from fitflow.bookings.appointment_schemas import (
    AppointmentCreate,
    AvailabilityPut,
    AvailabilityRead,
    ExceptionCreate,
    ExceptionRead,
    Slots,
)
from fitflow.bookings.errors import (
    NOT_BOOKABLE,
    AlreadyBooked,
    AvailabilityExceptionNotFound,
    BookingBlocked,
    NotAnAppointment,
    SlotNotOffered,
    TrainerNotFound,
    UnknownTrainer,
)
from fitflow.bookings.schemas import BookingRead
from fitflow.classes.errors import UnknownClassTypes
from fitflow.entitlements.errors import PaymentRequired
from fitflow.kit.errors import PermissionDenied, raises
from fitflow.kit.schemas import Instant
from fitflow.kit.unit_of_work import api_router
from fitflow.members.errors import MemberNotFound
from fitflow.organizations.deps import Caller, PathOrganization

router = api_router("appointments")
SERVICE_ERRORS = (UnknownClassTypes, NotAnAppointment)


@router.get("/orgs/{org}/trainers/{trainer_id}/availability")
@raises(TrainerNotFound)
async def trainer_availability(
    trainer_id: uuid.UUID, organization: PathOrganization, session: Session
) -> AvailabilityRead:
    """A trainer's weekly windows for 1:1 appointments and time away (no token needed)."""
    return await appointments.read(session, organization, trainer_id)


@router.put("/orgs/{org}/trainers/{trainer_id}/availability")
@raises(TrainerNotFound, PermissionDenied)
async def set_trainer_availability(
    trainer_id: uuid.UUID, body: AvailabilityPut, caller: Caller, session: Session
) -> AvailabilityRead:
    """Replace the weekly windows, in local time (the trainer, or admin+)."""
    return await appointments.set_windows(
        session, caller.actor, caller.organization, trainer_id, body
    )


@router.post("/orgs/{org}/trainers/{trainer_id}/time-away", status_code=status.HTTP_201_CREATED)
@raises(TrainerNotFound, PermissionDenied)
async def add_time_away(
    trainer_id: uuid.UUID, body: ExceptionCreate, caller: Caller, session: Session
) -> ExceptionRead:
    """Block out time from appointments (the trainer, or admin+)."""
    return await appointments.add_time_away(
        session, caller.actor, caller.organization, trainer_id, body
    )


@router.delete(
    "/orgs/{org}/trainers/{trainer_id}/time-away/{exception_id}",
    status_code=status.HTTP_204_NO_CONTENT,
)
@raises(TrainerNotFound, PermissionDenied, AvailabilityExceptionNotFound)
async def remove_time_away(
    trainer_id: uuid.UUID, exception_id: uuid.UUID, caller: Caller, session: Session
) -> None:
    """Take time away back (the trainer, or admin+)."""
    await appointments.remove_time_away(
        session, caller.actor, caller.organization, trainer_id, exception_id
    )


@router.get("/orgs/{org}/trainers/{trainer_id}/slots")
@raises(*SERVICE_ERRORS, TrainerNotFound)
async def trainer_slots(
    *,
    trainer_id: uuid.UUID,
    class_type_id: uuid.UUID,
    organization: PathOrganization,
    session: Session,
    after: Annotated[Instant | None, Query(alias="from")] = None,
    before: Annotated[Instant | None, Query(alias="to")] = None,
) -> Slots:
    """Free starts for an appointment service with this trainer, within the booking
    window, up to 31 days at a time (no token needed)."""
    return await appointments.free_slots(
        session, organization, trainer_id, class_type_id, after=after, before=before
    )


@router.post("/orgs/{org}/appointments", status_code=status.HTTP_201_CREATED)
@raises(
    *SERVICE_ERRORS, UnknownTrainer, SlotNotOffered, PaymentRequired, MemberNotFound, AlreadyBooked
)
@raises(BookingBlocked, *NOT_BOOKABLE.values())
async def book_appointment(
    body: AppointmentCreate, caller: Caller, session: Session
) -> BookingRead:
    """Book a free slot: a 1:1 session is scheduled and paid like any class."""
    return await appointments.book(session, caller.actor, caller.organization, body)
