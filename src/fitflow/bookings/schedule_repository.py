"""Queries of recurring schedules and the sessions they wrote."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, delete, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.bookings.models import Booking, ClassSchedule, ClassSession
from fitflow.kit.db import locking
from fitflow.kit.pagination import PageParams, keyset_page


async def schedule(
    session: AsyncSession, organization_id: uuid.UUID, schedule_id: uuid.UUID, *, lock: bool
) -> ClassSchedule | None:
    found: ClassSchedule | None = await session.scalar(
        locking(
            select(ClassSchedule).where(
                ClassSchedule.organization_id == organization_id, ClassSchedule.id == schedule_id
            ),
            lock,
        )
    )
    return found


async def schedule_page(
    session: AsyncSession, organization_id: uuid.UUID, params: PageParams
) -> tuple[list[Any], str | None]:
    query = select(ClassSchedule).where(ClassSchedule.organization_id == organization_id)
    return await keyset_page(
        session, query, key=(ClassSchedule.created_at, ClassSchedule.id), params=params
    )


async def running(session: AsyncSession) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(studio, schedule) ids of the schedules not ended."""
    rows = await session.execute(
        select(ClassSchedule.organization_id, ClassSchedule.id)
        .where(ClassSchedule.ended_at.is_(None))
        .order_by(ClassSchedule.id)
    )
    return [(row[0], row[1]) for row in rows]


async def written_days(session: AsyncSession, schedule_id: uuid.UUID, since: date) -> set[date]:
    rows = await session.scalars(
        select(ClassSession.occurrence_on).where(
            ClassSession.schedule_id == schedule_id, ClassSession.occurrence_on >= since
        )
    )
    return {day for day in rows if day is not None}


def _never_booked() -> Any:
    return ~exists().where(Booking.session_id == ClassSession.id)


def _future(schedule_id: uuid.UUID, now: datetime) -> Any:
    return and_(ClassSession.schedule_id == schedule_id, ClassSession.starts_at > now)


async def remove_untouched_future(
    session: AsyncSession, schedule_id: uuid.UUID, now: datetime
) -> None:
    """Delete the schedule's future sessions as it wrote them: published, never changed
    on their own, never booked or held. The rows are locked first, so a first hold
    committed meanwhile is seen (it then keeps its session)."""
    untouched = and_(
        _future(schedule_id, now),
        ClassSession.status == "published",
        ClassSession.detached.is_(False),
    )
    locked = await session.scalars(select(ClassSession.id).where(untouched).with_for_update())
    ids = list(locked)
    if ids:
        await session.execute(
            delete(ClassSession)
            .where(ClassSession.id.in_(ids), _never_booked())
            .execution_options(synchronize_session=False)
        )


async def kept_future(
    session: AsyncSession, schedule_id: uuid.UUID, now: datetime
) -> list[uuid.UUID]:
    """The schedule's future sessions an edit leaves alone: booked, held, changed or
    cancelled on their own."""
    rows = await session.scalars(
        select(ClassSession.id)
        .where(_future(schedule_id, now))
        .order_by(ClassSession.starts_at, ClassSession.id)
    )
    return list(rows)
