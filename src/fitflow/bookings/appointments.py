"""1:1 appointments: trainers publish weekly availability and time away; members see
the free slots of a service's length and book one, which schedules a capacity-1 session
and books it in one transaction under the trainer's lock."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.bookings import availability_repository as availability
from fitflow.bookings import holds, repository, rules, slots, spots, strikes, trainers
from fitflow.bookings.appointment_schemas import (
    AppointmentCreate,
    AvailabilityPut,
    AvailabilityRead,
    ExceptionCreate,
    ExceptionRead,
    Slots,
    WindowBody,
)
from fitflow.bookings.errors import (
    NOT_BOOKABLE,
    AvailabilityExceptionNotFound,
    NotAnAppointment,
    SlotNotOffered,
    TrainerNotFound,
    UnknownTrainer,
)
from fitflow.bookings.models import AvailabilityException, ClassSession, TrainerAvailability
from fitflow.bookings.schemas import BookingRead
from fitflow.classes import service as classes
from fitflow.classes.models import ClassType
from fitflow.kit import time
from fitflow.kit.errors import AppError
from fitflow.members import service as members
from fitflow.organizations import service as organizations
from fitflow.organizations.models import Organization
from fitflow.organizations.permissions import Actor
from fitflow.organizations.policy import WEEKDAYS, policy_of

MAX_RANGE = timedelta(days=31)


async def set_windows(
    session: AsyncSession,
    actor: Actor,
    organization: Organization,
    trainer_id: uuid.UUID,
    body: AvailabilityPut,
) -> AvailabilityRead:
    """Replace the trainer's weekly windows (the trainer, or admin+)."""
    await _trainer(session, organization, trainer_id)
    await trainers.require_acts_for(session, actor, trainer_id)
    rows = [
        TrainerAvailability(
            organization_id=organization.id,
            trainer_id=trainer_id,
            weekday=window.weekday_number,
            starts=window.starts,
            ends=window.ends,
        )
        for window in body.windows
    ]
    await repository.advisory_lock(session, "trainer", trainer_id)
    await availability.replace_windows(session, trainer_id, rows)
    return await read(session, organization, trainer_id)


async def read(
    session: AsyncSession, organization: Organization, trainer_id: uuid.UUID
) -> AvailabilityRead:
    """The trainer's weekly windows and time away from now on (anyone)."""
    await _trainer(session, organization, trainer_id)
    windows = await availability.windows_of(session, trainer_id)
    away = await availability.exceptions_from(session, trainer_id, time.now())
    return AvailabilityRead(
        trainer_id=trainer_id,
        windows=[
            WindowBody(weekday=WEEKDAYS[row.weekday], starts=row.starts, ends=row.ends)
            for row in windows
        ],
        away=[ExceptionRead.model_validate(row, from_attributes=True) for row in away],
    )


async def add_time_away(
    session: AsyncSession,
    actor: Actor,
    organization: Organization,
    trainer_id: uuid.UUID,
    body: ExceptionCreate,
) -> ExceptionRead:
    """Block out time (the trainer, or admin+); sessions already booked stay."""
    await _trainer(session, organization, trainer_id)
    await trainers.require_acts_for(session, actor, trainer_id)
    row = AvailabilityException(
        organization_id=organization.id, trainer_id=trainer_id, **body.model_dump()
    )
    await repository.add(session, row)
    return ExceptionRead.model_validate(row, from_attributes=True)


async def remove_time_away(
    session: AsyncSession,
    actor: Actor,
    organization: Organization,
    trainer_id: uuid.UUID,
    exception_id: uuid.UUID,
) -> None:
    await _trainer(session, organization, trainer_id)
    await trainers.require_acts_for(session, actor, trainer_id)
    row = await availability.exception(session, trainer_id, exception_id)
    if row is None:
        raise AvailabilityExceptionNotFound()
    await session.delete(row)
    await session.flush()


async def free_slots(
    session: AsyncSession,
    organization: Organization,
    trainer_id: uuid.UUID,
    class_type_id: uuid.UUID,
    *,
    after: datetime | None,
    before: datetime | None,
) -> Slots:
    """Bookable starts for an appointment service with this trainer (anyone), within the
    studio's booking window and at most 31 days at a time."""
    await _trainer(session, organization, trainer_id)
    service = await _service(session, organization, class_type_id)
    now = time.now()
    start = max(after or now, now)
    horizon = now + timedelta(days=policy_of(organization.policy).booking_opens_days)
    end = min(before or horizon, horizon, start + MAX_RANGE)
    starts = await _slots(session, organization, trainer_id, service, after=start, before=end)
    return Slots(
        trainer_id=trainer_id,
        class_type_id=service.id,
        duration_minutes=service.duration_minutes,
        starts=starts,
    )


async def book(
    session: AsyncSession, actor: Actor, organization: Organization, body: AppointmentCreate
) -> BookingRead:
    """Book a free slot: a capacity-1 session is scheduled and booked, paid like any
    class, under the usual booking window and strike rule. When nothing pays, nothing is
    kept (402 with the drop-in offer). Takes the trainer's lock, so two members never
    get the same slot."""
    member_id = await members.own_member_id(session, actor)
    now, policy = time.now(), policy_of(organization.policy)
    refusal = rules.booking_refusal("published", body.starts_at, organization.timezone, policy, now)
    if refusal is not None:
        raise NOT_BOOKABLE[refusal]()
    await strikes.refuse_if_banned(session, organization.id, member_id, policy, now)
    await _trainer(session, organization, body.trainer_id, UnknownTrainer)
    service = await _service(session, organization, body.class_type_id)
    class_session = await _schedule_slot(session, organization, service, body)
    paid = await spots.pay_ahead(session, organization, class_session, member_id)
    return await holds.take_paid(
        session, organization, class_session, member_id, actor, paid=paid, channel="appointment"
    )


async def _schedule_slot(
    session: AsyncSession, organization: Organization, service: ClassType, body: AppointmentCreate
) -> ClassSession:
    """The 1:1 session for a slot still free, under the trainer's lock."""
    length = timedelta(minutes=service.duration_minutes)
    await repository.advisory_lock(session, "trainer", body.trainer_id)
    offered = await _slots(
        session,
        organization,
        body.trainer_id,
        service,
        after=body.starts_at,
        before=body.starts_at + length,
    )
    if body.starts_at not in offered:
        raise SlotNotOffered()
    class_session = ClassSession(
        organization_id=organization.id,
        class_type_id=service.id,
        trainer_id=body.trainer_id,
        title=service.name,
        starts_at=body.starts_at,
        ends_at=body.starts_at + length,
        capacity=1,
        credit_units=service.credit_units,
        status="published",
    )
    await repository.add(session, class_session)
    return class_session


async def _slots(
    session: AsyncSession,
    organization: Organization,
    trainer_id: uuid.UUID,
    service: ClassType,
    *,
    after: datetime,
    before: datetime,
) -> list[datetime]:
    if before <= after:
        return []
    windows = [
        slots.Window(row.weekday, row.starts, row.ends)
        for row in await availability.windows_of(session, trainer_id)
    ]
    busy = await availability.trainer_busy(
        session, trainer_id, after - timedelta(days=1), before + timedelta(days=1)
    )
    return list(
        slots.free_slots(
            windows,
            busy,
            timezone=organization.timezone,
            length=timedelta(minutes=service.duration_minutes),
            after=after,
            before=before,
        )
    )


async def _service(
    session: AsyncSession, organization: Organization, class_type_id: uuid.UUID
) -> ClassType:
    found = await classes.class_type_in_use(session, organization.id, class_type_id)
    if not found.appointment:
        raise NotAnAppointment()
    return found


async def _trainer(
    session: AsyncSession,
    organization: Organization,
    trainer_id: uuid.UUID,
    missing: type[AppError] = TrainerNotFound,
) -> None:
    """Refuse an id that is not the studio's staff: 404 in a path, `missing` otherwise."""
    if await organizations.staff_member(session, organization.id, trainer_id) is None:
        raise missing()
