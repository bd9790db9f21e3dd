"""Queries of recurring schedules and the sessions they wrote."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, exists, select
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


async def running(
    session: AsyncSession, *, limit: int, after: uuid.UUID | None
) -> Sequence[ClassSchedule]:
    """Schedules not ended, in id order from `after`, to materialise in batches."""
    query = select(ClassSchedule).where(ClassSchedule.ended_at.is_(None))
    if after is not None:
        query = query.where(ClassSchedule.id > after)
    return (await session.scalars(query.order_by(ClassSchedule.id).limit(limit))).all()


async def written_days(session: AsyncSession, schedule_id: uuid.UUID, since: date) -> set[date]:
    rows = await session.scalars(
        select(ClassSession.occurrence_on).where(
            ClassSession.schedule_id == schedule_id, ClassSession.occurrence_on >= since
        )
    )
    return {day for day in rows if day is not None}


def _never_booked() -> Any:
    return ~exists().where(Booking.session_id == ClassSession.id)


async def remove_unbooked_future(
    session: AsyncSession, schedule_id: uuid.UUID, now: datetime
) -> None:
    """Delete the schedule's future sessions nobody ever booked or held."""
    await session.execute(
        delete(ClassSession)
        .where(
            ClassSession.schedule_id == schedule_id,
            ClassSession.starts_at > now,
            _never_booked(),
        )
        .execution_options(synchronize_session=False)
    )


async def booked_future(
    session: AsyncSession, schedule_id: uuid.UUID, now: datetime
) -> list[uuid.UUID]:
    """The schedule's future sessions that have (or had) bookings: an edit keeps them."""
    rows = await session.scalars(
        select(ClassSession.id)
        .where(
            ClassSession.schedule_id == schedule_id,
            ClassSession.starts_at > now,
            ClassSession.status != "cancelled",
            ~_never_booked(),
        )
        .order_by(ClassSession.starts_at)
    )
    return list(rows)
