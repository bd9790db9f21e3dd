"""The schedule list's query: a page of sessions with their spots and waitlist counts in
one statement, read as plain rows (no ORM entities: a page holds up to 200 sessions);
and the page's fingerprint, which the page cache (`bookings.page_cache`) compares."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BindParameter,
    DateTime,
    Integer,
    Row,
    Select,
    Text,
    and_,
    bindparam,
    func,
    literal,
    or_,
    select,
    true,
    tuple_,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.bookings.models import LIVE_STATUSES, Booking, ClassSession, WaitlistEntry
from fitflow.bookings.repository import BOOKED, SessionFilter
from fitflow.kit.pagination import PageParams, decode_time_id_cursor, encode_cursor

_NOW = bindparam("now", type_=DateTime(timezone=True))

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
    """The session's booked spots, unexpired holds (offers included) and the first of
    those to lapse, in one pass over its live bookings; none is read when the session
    has no spot taken."""
    unexpired = and_(Booking.status == "held", Booking.hold_expires_at > _NOW)
    return (
        select(
            func.count().filter(Booking.status.in_(BOOKED)).label("booked"),
            func.count().filter(unexpired).label("held"),
            func.min(Booking.hold_expires_at).filter(unexpired).label("next_lapse"),
        )
        .where(
            ClassSession.taken > 0,
            Booking.session_id == ClassSession.id,
            Booking.status.in_(LIVE_STATUSES),
        )
        .lateral("spots")
    )


def _waiting() -> Any:
    return (
        select(func.count())
        .where(WaitlistEntry.session_id == ClassSession.id, WaitlistEntry.status == "waiting")
        .scalar_subquery()
        .label("waiting")
    )


def _holds() -> Any:
    """The expiry instants (epoch seconds) of the session's holds and offers, lapsed ones
    included, in order. A hold confirmed, or given more time, changes them without
    writing the session row. Read only when the session has a spot taken."""
    expiry = func.extract("epoch", Booking.hold_expires_at).cast(Text)
    in_order = aggregate_order_by(literal(","), Booking.hold_expires_at)
    return (
        select(func.string_agg(expiry, in_order))
        .where(
            ClassSession.taken > 0,
            Booking.session_id == ClassSession.id,
            Booking.status == "held",
        )
        .scalar_subquery()
        .label("holds")
    )


_WAITING = _waiting()
_HOLDS = _holds()


def _page_query() -> Select[*tuple[Any, ...]]:
    """Every page's columns and counts (`_window` adds the filters of each shape)."""
    spots = _spot_counts()
    counts = (spots.c.booked, spots.c.held, _WAITING)
    return (
        select(*COLUMNS, *counts, spots.c.next_lapse)
        .join_from(ClassSession, spots, true())
        .where(ClassSession.organization_id == bindparam("organization_id"))
    )


_PAGE = _page_query()
_KEPT_PAGE = _PAGE.add_columns(ClassSession.revision, _HOLDS)
"""A page the cache keeps: also what its fingerprint is made of."""
_KEY = tuple_(ClassSession.starts_at, ClassSession.id)


@dataclass(frozen=True)
class ListedRows:
    """A page of the schedule list: `rows` (`COLUMNS`, then the `booked`, `held` and
    `waiting` counts and `next_lapse`, the earliest hold expiry still to come; for a
    fingerprinted page also the row's `revision` and its `holds`' expiries), the cursor
    of the next page, and the page's `fingerprint` (`page_fingerprint`; empty unless asked
    for)."""

    rows: Sequence[Row[Any]]
    next_cursor: str | None
    fingerprint: str


@dataclass(frozen=True)
class _Shape:
    """Which of the list's filters a request uses: each shape's statements are built
    once, and a request only binds its values."""

    before: bool
    trainer: bool
    class_type: bool
    drafts: bool
    available_only: bool
    after: bool
    fingerprinted: bool


async def session_rows(
    session: AsyncSession,
    organization_id: uuid.UUID,
    where: SessionFilter,
    params: PageParams,
    now: datetime,
    *,
    fingerprinted: bool = False,
) -> ListedRows:
    """The studio's sessions in start order from `starts_from` (keyset paged), each
    with `booked`, `held` (unexpired holds and offers) and `waiting` counts; with the
    page's fingerprint when `fingerprinted` (for the page cache)."""
    shape, values = _bound(organization_id, where, params, now, fingerprinted=fingerprinted)
    rows = (await session.execute(_page_statement(shape), values)).all()
    fingerprint = " ".join(_entry(row) for row in rows) if fingerprinted else ""
    if len(rows) <= params.limit:
        return ListedRows(rows, None, fingerprint)
    rows = rows[: params.limit]
    last = rows[-1]
    return ListedRows(rows, encode_cursor([last.starts_at.isoformat(), str(last.id)]), fingerprint)


async def page_fingerprint(
    session: AsyncSession,
    organization_id: uuid.UUID,
    where: SessionFilter,
    params: PageParams,
    now: datetime,
) -> str:
    """The revision, waitlist length and hold expiries of each session the page (and the
    look-ahead row that decides its cursor) would list, in order. Revisions are never
    reused, so an equal fingerprint means the same rows, columns and counts; only the
    clock can then change what they show (holds lapse, sessions start and end)."""
    shape, values = _bound(organization_id, where, params, now)
    fingerprint: str = (await session.execute(_fingerprint_statement(shape), values)).scalar_one()
    return fingerprint


def _bound(
    organization_id: uuid.UUID,
    where: SessionFilter,
    params: PageParams,
    now: datetime,
    *,
    fingerprinted: bool = False,
) -> tuple[_Shape, dict[str, Any]]:
    after = decode_time_id_cursor(params.cursor)
    shape = _Shape(
        before=where.starts_before is not None,
        trainer=where.trainer_id is not None,
        class_type=where.class_type_id is not None,
        drafts=where.with_drafts,
        available_only=where.available_only,
        after=after is not None,
        fingerprinted=fingerprinted,
    )
    values = {
        "organization_id": organization_id,
        "now": now,
        "starts_from": where.starts_from,
        "starts_before": where.starts_before,
        "trainer_id": where.trainer_id,
        "class_type_id": where.class_type_id,
        "limit": params.limit + 1,
    }
    if after is not None:
        values["after_starts"], values["after_id"] = after
    return shape, values


@functools.cache
def _page_statement(shape: _Shape) -> Select[*tuple[Any, ...]]:
    return _window(_KEPT_PAGE if shape.fingerprinted else _PAGE, shape)


@functools.cache
def _fingerprint_statement(shape: _Shape) -> Select[*tuple[Any, ...]]:
    listed = select(ClassSession.revision, _WAITING, _HOLDS, *_KEY.clauses).where(
        ClassSession.organization_id == bindparam("organization_id")
    )
    window = _window(listed, shape).subquery()
    entry = _entry_sql(window)
    separator = aggregate_order_by(literal(" "), window.c.starts_at, window.c.id)
    return select(func.coalesce(func.string_agg(entry, separator), ""))


def _entry(row: Row[Any]) -> str:
    """A fetched row's part of the fingerprint: the text `_entry_sql` builds."""
    return f"{row.revision}:{row.waiting}:{row.holds or ''}"


def _entry_sql(window: Any) -> Any:
    return (
        window.c.revision.cast(Text)
        + ":"
        + window.c.waiting.cast(Text)
        + ":"
        + func.coalesce(window.c.holds, "")
    )


def _window(query: Select[*tuple[Any, ...]], shape: _Shape) -> Select[*tuple[Any, ...]]:
    """`query` narrowed to the page: its filters, after its cursor, in start order, with
    one row more than the page to tell whether another follows."""
    query = query.where(ClassSession.starts_at >= _bind("starts_from", "starts_at"))
    query = query.where(*_filters(shape))
    if shape.after:
        after = tuple_(_bind("after_starts", "starts_at"), _bind("after_id", "id"))
        query = query.where(after < _KEY)
    order = query.order_by(ClassSession.starts_at, ClassSession.id)
    return order.limit(bindparam("limit", type_=Integer))


def _bind(name: str, column: str) -> BindParameter[Any]:
    """A value bound at execution, typed as the session column `column`."""
    return bindparam(name, type_=getattr(ClassSession, column).type)


def _filters(shape: _Shape) -> list[Any]:
    found: list[Any] = []
    if shape.before:
        found.append(ClassSession.starts_at < _bind("starts_before", "starts_at"))
    if shape.trainer:
        found.append(ClassSession.trainer_id == _bind("trainer_id", "trainer_id"))
    if shape.class_type:
        found.append(ClassSession.class_type_id == _bind("class_type_id", "class_type_id"))
    if not shape.drafts:
        found.append(ClassSession.status != "draft")
    if shape.available_only:
        lapsed = (
            select(Booking.id)
            .where(
                Booking.session_id == ClassSession.id,
                Booking.status == "held",
                Booking.hold_expires_at <= _NOW,
            )
            .exists()
        )
        found += [
            ClassSession.status == "published",
            ClassSession.starts_at > _NOW,
            or_(ClassSession.taken < ClassSession.capacity, lapsed),
        ]
    return found
