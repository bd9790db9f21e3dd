"""The schedule list's query: a page of sessions with their spots and waitlist counts in
one statement, read as plain rows (no ORM entities: a page holds up to 200 sessions)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, and_, bindparam, func, or_, select, true, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.bookings.models import LIVE_STATUSES, Booking, ClassSession, WaitlistEntry
from fitflow.bookings.repository import BOOKED, SessionFilter
from fitflow.kit.pagination import PageParams, decode_time_id_cursor, encode_cursor

COLUMNS = (
    ClassSession.id,
    ClassSession.class_type_id,
    ClassSession.title,
    ClassSession.trainer_id,
    ClassSession.location_id,
    ClassSession.starts_at,
    ClassSession.ends_at,
    ClassSession.capacity,
    ClassSession.credit_units,
    ClassSession.status,
    ClassSession.cancelled_at,
)


def _spot_counts() -> Any:
    """The session's booked spots and unexpired holds (offers included), counted in one
    pass over its live bookings; none is read when the session has no spot taken."""
    unexpired = and_(Booking.status == "held", Booking.hold_expires_at > bindparam("now"))
    return (
        select(
            func.count().filter(Booking.status.in_(BOOKED)).label("booked"),
            func.count().filter(unexpired).label("held"),
        )
        .where(
            ClassSession.taken > 0,
            Booking.session_id == ClassSession.id,
            Booking.status.in_(LIVE_STATUSES),
        )
        .lateral("spots")
    )


def _page_query() -> Select[*tuple[Any, ...]]:
    """Every page's columns and counts, built once (the filters vary per request)."""
    waiting = (
        select(func.count())
        .where(WaitlistEntry.session_id == ClassSession.id, WaitlistEntry.status == "waiting")
        .scalar_subquery()
    )
    spots = _spot_counts()
    return (
        select(*COLUMNS, spots.c.booked, spots.c.held, waiting.label("waiting"))
        .join_from(ClassSession, spots, true())
        .where(ClassSession.organization_id == bindparam("organization_id"))
    )


_PAGE = _page_query()
_KEY = tuple_(ClassSession.starts_at, ClassSession.id)


async def session_rows(
    session: AsyncSession,
    organization_id: uuid.UUID,
    where: SessionFilter,
    params: PageParams,
    now: datetime,
) -> tuple[Sequence[Row[Any]], str | None]:
    """The studio's sessions in start order from `starts_from` (keyset paged), each
    with `booked`, `held` (unexpired holds and offers) and `waiting` counts."""
    query = _PAGE.where(ClassSession.starts_at >= where.starts_from, *_filters(where, now))
    after = decode_time_id_cursor(params.cursor)
    if after is not None:
        query = query.where(tuple_(*after) < _KEY)
    query = query.order_by(ClassSession.starts_at, ClassSession.id).limit(params.limit + 1)
    found = await session.execute(query, {"organization_id": organization_id, "now": now})
    rows = found.all()
    if len(rows) <= params.limit:
        return rows, None
    rows = rows[: params.limit]
    last = rows[-1]
    return rows, encode_cursor([last.starts_at.isoformat(), str(last.id)])


def _filters(where: SessionFilter, now: datetime) -> list[Any]:
    found: list[Any] = []
    if where.starts_before is not None:
        found.append(ClassSession.starts_at < where.starts_before)
    if where.trainer_id is not None:
        found.append(ClassSession.trainer_id == where.trainer_id)
    if where.class_type_id is not None:
        found.append(ClassSession.class_type_id == where.class_type_id)
    if not where.with_drafts:
        found.append(ClassSession.status != "draft")
    if where.available_only:
        lapsed = (
            select(Booking.id)
            .where(
                Booking.session_id == ClassSession.id,
                Booking.status == "held",
                Booking.hold_expires_at <= now,
            )
            .exists()
        )
        found += [
            ClassSession.status == "published",
            ClassSession.starts_at > now,
            or_(ClassSession.taken < ClassSession.capacity, lapsed),
        ]
    return found
