"""The demo studio's week: recurring classes in two rooms, two trainers' 1:1 hours, and
members with bookings, holds, a waitlist and check-ins. Seeded once, when the studio has
no recurring schedule yet."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.bookings import appointments, attendance, holds, schedules, sessions, waitlist
from fitflow.bookings import schedule_repository as schedule_queries
from fitflow.bookings.appointment_schemas import AvailabilityPut, WindowBody
from fitflow.bookings.repository import SessionFilter
from fitflow.bookings.schedule_schemas import ScheduleCreate
from fitflow.bookings.schemas import SessionCreate
from fitflow.classes import service as classes
from fitflow.kit import time as clock
from fitflow.kit.pagination import PageParams
from fitflow.organizations.models import Organization
from fitflow.organizations.permissions import Actor, Role

WEEKS_AHEAD = 2
# (class type name, room name, trainer index, rule, local start, capacity)
WEEK = [
    ("Vinyasa yoga", "Studio 1", 0, "FREQ=WEEKLY;BYDAY=MO,WE,FR", time(7, 0), None),
    ("HIIT express", "Studio 1", 1, "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", time(12, 30), None),
    ("Spin", "Spin room", 1, "FREQ=WEEKLY;BYDAY=TU,TH", time(18, 0), None),
    ("Vinyasa yoga", "Studio 1", 0, "FREQ=WEEKLY;BYDAY=SA", time(10, 0), None),
    ("Spin", "Spin room", 1, "FREQ=WEEKLY;BYDAY=SA", time(9, 0), 6),
]
HOURS = [
    [WindowBody(weekday=day, starts=time(9), ends=time(12)) for day in ("tue", "thu")],
    [WindowBody(weekday=day, starts=time(14), ends=time(17)) for day in ("mon", "wed", "fri")],
]


async def seed_week(
    session: AsyncSession,
    owner: Actor,
    studio: Organization,
    trainer_ids: Sequence[uuid.UUID],
    member_users: Sequence[uuid.UUID],
) -> None:
    """Schedules, trainers' hours and the members' week, unless schedules exist."""
    if (await schedule_queries.schedule_page(session, studio.id, PageParams(limit=1)))[0]:
        return
    types = {
        row.name: row.id
        for row in (
            await classes.class_types(session, studio.id, params=PageParams(limit=50))
        ).items
    }
    rooms = {
        row.name: row.id
        for row in (await classes.locations(session, studio.id, params=PageParams(limit=50))).items
    }
    for type_name, room, trainer, rule, start, capacity in WEEK:
        body = ScheduleCreate(
            class_type_id=types[type_name],
            rrule=rule,
            first_day=clock.now().date(),
            start_time=start,
            trainer_id=trainer_ids[trainer],
            location_id=rooms[room],
            capacity=capacity,
        )
        await schedules.create(session, owner, studio, body, weeks_ahead=WEEKS_AHEAD)
    for trainer_id, windows in zip(trainer_ids, HOURS, strict=True):
        await appointments.set_windows(
            session, owner, studio, trainer_id, AvailabilityPut(windows=windows)
        )
    members = [Actor(user, studio.id, frozenset({Role.member})) for user in member_users]
    await _bookings(session, studio, members, types["Spin"])
    await _check_ins(session, owner, studio, types["Vinyasa yoga"], members)


async def _bookings(
    session: AsyncSession, studio: Organization, members: Sequence[Actor], spin: uuid.UUID
) -> None:
    """Members 1-16 (memberships and packs) book the coming classes; the first small
    Saturday spin fills up with a waitlist; two drop-in holders hold spots."""
    listed = await sessions.sessions(
        session,
        Actor(None, studio.id),
        studio,
        SessionFilter(starts_from=clock.now() + timedelta(hours=1)),
        PageParams(limit=40),
    )
    upcoming = listed.page().items
    small_spin = next(s for s in upcoming if s.class_type_id == spin and s.capacity == 6)
    for member in members[:6]:
        await holds.book(session, member, studio, small_spin.id)
    for member in members[6:9]:
        await waitlist.join(session, member, studio, small_spin.id)
    others = [s for s in upcoming if s.id != small_spin.id]
    for index, member in enumerate(members[9:16]):
        for class_session in others[index % 3 :: 5][:3]:
            await holds.book(session, member, studio, class_session.id)
    for member in members[16:18]:
        await holds.hold(session, member, studio, others[0].id)


async def _check_ins(
    session: AsyncSession,
    owner: Actor,
    studio: Organization,
    yoga: uuid.UUID,
    members: Sequence[Actor],
) -> None:
    """A class starting in 20 minutes, booked by four members, two already checked in."""
    soon = clock.now().replace(second=0, microsecond=0) + timedelta(minutes=20)
    created = await sessions.schedule(
        session, owner, studio, SessionCreate(class_type_id=yoga, starts_at=soon, capacity=12)
    )
    booked = [await holds.book(session, member, studio, created.id) for member in members[:4]]
    for booking in booked[:2]:
        await attendance.check_in(session, studio, booking.id, clock.now())
