"""Recurring schedules: create, edit and end them, and write their sessions ahead.

Sessions are written from now to `weeks_ahead` weeks on, one per schedule and local day
(a unique index makes a second run write nothing). Editing a schedule rewrites its
future sessions nobody booked; sessions with bookings stay as they were, listed in the
answer, and change only through PATCH /sessions/{id}.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.audit import service as audit
from fitflow.bookings import recurrence, repository
from fitflow.bookings import schedule_repository as schedules
from fitflow.bookings.errors import InvalidRecurrence, ScheduleNotFound, UnknownTrainer
from fitflow.bookings.models import ClassSchedule, ClassSession
from fitflow.bookings.schedule_schemas import ScheduleCreate, ScheduleRead, ScheduleUpdate
from fitflow.classes import service as classes
from fitflow.classes.models import ClassType
from fitflow.kit import time
from fitflow.kit.pagination import Page, PageParams
from fitflow.organizations import service as organizations
from fitflow.organizations.models import Organization
from fitflow.organizations.permissions import Action, Actor, require


@dataclass
class Written:
    created: int = 0
    skipped: list[date] = field(default_factory=list)


async def create(
    session: AsyncSession,
    actor: Actor,
    organization: Organization,
    body: ScheduleCreate,
    *,
    weeks_ahead: int,
) -> ScheduleRead:
    """Add a recurring class and write its sessions ahead (admin+)."""
    require(actor, Action.manage_schedule)
    row = ClassSchedule(organization_id=organization.id, **body.model_dump())
    await _check_references(session, organization, row)
    await repository.add(session, row)
    written = await materialise(session, organization, row, now=time.now(), weeks_ahead=weeks_ahead)
    await audit.by_actor(session, actor, "class_schedule.created", ("class_schedule", row.id))
    return ScheduleRead.of(row, sessions_created=written.created, days_skipped=written.skipped)


async def listing(
    session: AsyncSession, actor: Actor, organization: Organization, params: PageParams
) -> Page[ScheduleRead]:
    require(actor, Action.manage_schedule)
    rows, cursor = await schedules.schedule_page(session, organization.id, params)
    return Page(items=[ScheduleRead.of(row[0]) for row in rows], next_cursor=cursor)


async def update(
    session: AsyncSession,
    actor: Actor,
    organization: Organization,
    schedule_id: uuid.UUID,
    body: ScheduleUpdate,
    *,
    weeks_ahead: int,
) -> ScheduleRead:
    """Change the rule, time, trainer, room, capacity or title (admin+): future sessions
    nobody booked are written again; booked ones are kept and listed. Locks the schedule."""
    require(actor, Action.manage_schedule)
    row = await _schedule(session, organization, schedule_id)
    for name, value in body.model_dump(exclude_unset=True).items():
        setattr(row, name, value)
    await _check_references(session, organization, row)
    now = time.now()
    await schedules.remove_untouched_future(session, row.id, now)
    kept = await schedules.kept_future(session, row.id, now)
    written = await materialise(session, organization, row, now=now, weeks_ahead=weeks_ahead)
    await audit.by_actor(session, actor, "class_schedule.updated", ("class_schedule", row.id))
    return ScheduleRead.of(
        row, sessions_created=written.created, days_skipped=written.skipped, sessions_kept=kept
    )


async def end(
    session: AsyncSession, actor: Actor, organization: Organization, schedule_id: uuid.UUID
) -> ScheduleRead:
    """Stop the schedule (admin+): its future sessions nobody booked go; booked ones
    stay, listed, for staff to cancel or keep. Idempotent."""
    require(actor, Action.manage_schedule)
    row = await _schedule(session, organization, schedule_id)
    now = time.now()
    if row.ended_at is None:
        row.ended_at = now
        await schedules.remove_untouched_future(session, row.id, now)
        await audit.by_actor(session, actor, "class_schedule.ended", ("class_schedule", row.id))
    return ScheduleRead.of(row, sessions_kept=await schedules.kept_future(session, row.id, now))


async def materialise(
    session: AsyncSession,
    organization: Organization,
    row: ClassSchedule,
    *,
    now: datetime,
    weeks_ahead: int,
) -> Written:
    """Write the schedule's sessions from now to `weeks_ahead` weeks on, skipping days
    already written and days its trainer teaches elsewhere (under the trainer's lock)."""
    written = Written()
    if row.ended_at is not None:
        return written
    class_type = await classes.class_type_in_use(session, organization.id, row.class_type_id)
    rule = recurrence.parse(row.rrule, row.first_day, row.start_time)
    until = now + timedelta(weeks=weeks_ahead)
    done = await schedules.written_days(session, row.id, row.first_day)
    if row.trainer_id is not None:
        await repository.advisory_lock(session, "trainer", row.trainer_id)
    length = timedelta(minutes=class_type.duration_minutes)
    for occurrence in recurrence.occurrences(rule, organization.timezone, after=now, before=until):
        if occurrence.on in done:
            continue
        ends_at = occurrence.starts_at + length
        if row.trainer_id is not None and await repository.trainer_overlaps(
            session, row.trainer_id, occurrence.starts_at, ends_at
        ):
            written.skipped.append(occurrence.on)
            continue
        session.add(_session_of(row, class_type, occurrence, ends_at))
        written.created += 1
        await session.flush()
    row.materialised_until = until
    await session.flush()
    return written


def _session_of(
    row: ClassSchedule, class_type: ClassType, occurrence: recurrence.Occurrence, ends_at: datetime
) -> ClassSession:
    return ClassSession(
        organization_id=row.organization_id,
        class_type_id=row.class_type_id,
        location_id=row.location_id,
        trainer_id=row.trainer_id,
        schedule_id=row.id,
        occurrence_on=occurrence.on,
        title=row.title or class_type.name,
        starts_at=occurrence.starts_at,
        ends_at=ends_at,
        capacity=1 if class_type.appointment else (row.capacity or class_type.default_capacity),
        credit_units=class_type.credit_units,
        status="published",
    )


async def _check_references(
    session: AsyncSession, organization: Organization, row: ClassSchedule
) -> None:
    """The class type, room and trainer are the studio's, and the rule parses."""
    await classes.class_type_in_use(session, organization.id, row.class_type_id)
    if row.location_id is not None:
        await classes.location_in_use(session, organization.id, row.location_id)
    if row.trainer_id is not None and (
        await organizations.staff_member(session, organization.id, row.trainer_id) is None
    ):
        raise UnknownTrainer()
    try:  # in a thread: a rule that matches no day takes dateutil seconds to rule out
        await anyio.to_thread.run_sync(recurrence.parse, row.rrule, row.first_day, row.start_time)
    except recurrence.InvalidRule as invalid:
        raise InvalidRecurrence(data={"problem": str(invalid)}) from invalid


async def _schedule(
    session: AsyncSession, organization: Organization, schedule_id: uuid.UUID
) -> ClassSchedule:
    row = await schedules.schedule(session, organization.id, schedule_id, lock=True)
    if row is None:
        raise ScheduleNotFound()
    return row


async def running_ids(session: AsyncSession) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(studio, schedule) of every schedule not ended, for the job to write one by one."""
    return await schedules.running(session)


async def materialise_one(
    session: AsyncSession,
    organization_id: uuid.UUID,
    schedule_id: uuid.UUID,
    *,
    now: datetime,
    weeks_ahead: int,
) -> int:
    """Write one schedule ahead under its row lock (and its trainer's); the sessions
    written. Raises `UnknownClassTypes` when its class type was archived."""
    row = await schedules.schedule(session, organization_id, schedule_id, lock=True)
    if row is None or row.ended_at is not None:
        return 0
    studio = (await organizations.by_ids(session, [organization_id]))[organization_id]
    written = await materialise(session, studio, row, now=now, weeks_ahead=weeks_ahead)
    return written.created
