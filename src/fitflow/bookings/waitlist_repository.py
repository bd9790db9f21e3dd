"""Queries of waitlists."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.bookings.models import LIVE_STATUSES, Booking, ClassSession, WaitlistEntry
from fitflow.bookings.models import WAITING_STATUSES as WAITING
from fitflow.kit.db import locking


async def next_waiting(
    session: AsyncSession, session_id: uuid.UUID, *, excluding: Sequence[uuid.UUID] = ()
) -> WaitlistEntry | None:
    query = select(WaitlistEntry).where(
        WaitlistEntry.session_id == session_id, WaitlistEntry.status == "waiting"
    )
    if excluding:
        query = query.where(WaitlistEntry.id.not_in(excluding))
    # Locked, so a concurrent "left" (the member got a spot elsewhere) is seen, not undone.
    found: WaitlistEntry | None = await session.scalar(
        locking(query.order_by(WaitlistEntry.seq).limit(1))
    )
    return found


async def open_entry(
    session: AsyncSession, session_id: uuid.UUID, member_id: uuid.UUID
) -> WaitlistEntry | None:
    found: WaitlistEntry | None = await session.scalar(
        select(WaitlistEntry).where(
            WaitlistEntry.session_id == session_id,
            WaitlistEntry.member_id == member_id,
            WaitlistEntry.status.in_(WAITING),
        )
    )
    return found


async def waiting_count(session: AsyncSession, session_id: uuid.UUID) -> int:
    count = await session.scalar(
        select(func.count()).where(
            WaitlistEntry.session_id == session_id, WaitlistEntry.status.in_(WAITING)
        )
    )
    return int(count or 0)


async def position(session: AsyncSession, entry: WaitlistEntry) -> int:
    """1 for the next member in line."""
    ahead = await session.scalar(
        select(func.count()).where(
            WaitlistEntry.session_id == entry.session_id,
            WaitlistEntry.status == "waiting",
            WaitlistEntry.seq < entry.seq,
        )
    )
    return int(ahead or 0) + 1


async def entries(
    session: AsyncSession, session_id: uuid.UUID, *, open_only: bool
) -> Sequence[WaitlistEntry]:
    query = select(WaitlistEntry).where(WaitlistEntry.session_id == session_id)
    if open_only:
        query = query.where(WaitlistEntry.status.in_(WAITING))
    return (await session.scalars(query.order_by(WaitlistEntry.seq))).all()


async def end_offers(
    session: AsyncSession, booking_ids: Sequence[uuid.UUID], status: str, now: datetime
) -> Sequence[WaitlistEntry]:
    """Close the waitlist entries whose offer holds these were."""
    if not booking_ids:
        return []
    rows = await session.scalars(
        update(WaitlistEntry)
        .where(WaitlistEntry.booking_id.in_(booking_ids), WaitlistEntry.status == "offered")
        .values(status=status, ended_at=now)
        .returning(WaitlistEntry)
        .execution_options(synchronize_session=False)
    )
    return rows.all()


async def leave_overlapping(
    session: AsyncSession, spot: Booking, ends_at: datetime, now: datetime
) -> int:
    """The member stops waiting for sessions overlapping the one they got a spot in
    (offers elsewhere stay until confirmed, released or lapsed)."""
    overlapping = select(ClassSession.id).where(
        ClassSession.organization_id == spot.organization_id,
        ClassSession.starts_at < ends_at,
        ClassSession.ends_at > spot.starts_at,
    )
    result = await session.execute(
        update(WaitlistEntry)
        .where(
            WaitlistEntry.organization_id == spot.organization_id,
            WaitlistEntry.member_id == spot.member_id,
            WaitlistEntry.status == "waiting",
            WaitlistEntry.session_id.in_(overlapping.scalar_subquery()),
        )
        .values(status="left", ended_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def close_waitlist(session: AsyncSession, session_id: uuid.UUID, now: datetime) -> None:
    await session.execute(
        update(WaitlistEntry)
        .where(WaitlistEntry.session_id == session_id, WaitlistEntry.status == "waiting")
        .values(status="expired", ended_at=now)
        .execution_options(synchronize_session=False)
    )


async def expire_started(session: AsyncSession, now: datetime) -> int:
    started = (
        select(ClassSession.id)
        .where(ClassSession.id == WaitlistEntry.session_id, ClassSession.starts_at <= now)
        .exists()
    )
    result = await session.execute(
        update(WaitlistEntry)
        .where(WaitlistEntry.status == "waiting", started)
        .values(status="expired", ended_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def has_overlapping_spot(
    session: AsyncSession, spot_of: WaitlistEntry, starts_at: datetime, ends_at: datetime
) -> bool:
    """Whether the entry's member already has a live spot in another session overlapping
    [starts_at, ends_at)."""
    found = await session.scalar(
        select(Booking.id)
        .join(ClassSession, ClassSession.id == Booking.session_id)
        .where(
            Booking.organization_id == spot_of.organization_id,
            Booking.member_id == spot_of.member_id,
            Booking.status.in_(LIVE_STATUSES),
            Booking.session_id != spot_of.session_id,
            ClassSession.starts_at < ends_at,
            ClassSession.ends_at > starts_at,
        )
        .limit(1)
    )
    return found is not None
