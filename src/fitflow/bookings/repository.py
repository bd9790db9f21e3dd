"""Every query of the bookings domain: sessions, spots and waitlists."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    BindParameter,
    Select,
    Uuid,
    and_,
    any_,
    bindparam,
    func,
    literal,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.bookings.models import (
    LIVE_STATUSES,
    Booking,
    ClassSession,
    WaitlistEntry,
)
from fitflow.kit.db import locking
from fitflow.kit.pagination import PageParams, keyset_page
from fitflow.organizations.models import Organization

BOOKED = ("confirmed", "attended", "no_show")
WAITING = ("waiting", "offered")


@dataclass(frozen=True)
class Counts:
    """A session's spots as members see them now: booked, held (holds and offers not yet
    expired) and people waiting."""

    booked: int = 0
    held: int = 0
    waiting: int = 0


async def add(session: AsyncSession, row: Any) -> None:
    session.add(row)
    await session.flush()


async def class_session(
    session: AsyncSession, organization_id: uuid.UUID, session_id: uuid.UUID, *, lock: bool = False
) -> ClassSession | None:
    found: ClassSession | None = await session.scalar(
        locking(
            select(ClassSession).where(
                ClassSession.organization_id == organization_id, ClassSession.id == session_id
            ),
            lock,
        )
    )
    return found


@dataclass(frozen=True)
class SessionForMember:
    """A session as one member's booking sees it: fresh from the database, with the
    member's live spot in it and whether they wait on any waitlist of the studio."""

    session: ClassSession
    own: Booking | None
    waiting_anywhere: bool
    lapsed_holds: bool


def _lapsed_holds(session_id: Any, now: Any) -> Select[uuid.UUID]:
    return select(Booking.id).where(
        Booking.session_id == session_id,
        Booking.status == "held",
        Booking.hold_expires_at <= now,
    )


def _session_for_member_query() -> Select[*tuple[Any, ...]]:
    organization_id: BindParameter[Any] = bindparam("organization_id")
    member_id: BindParameter[Any] = bindparam("member_id")
    waiting = (
        select(WaitlistEntry.id)
        .where(
            WaitlistEntry.organization_id == organization_id,
            WaitlistEntry.member_id == member_id,
            WaitlistEntry.status.in_(WAITING),
        )
        .exists()
    )
    own = and_(
        Booking.session_id == ClassSession.id,
        Booking.member_id == member_id,
        Booking.status.in_(LIVE_STATUSES),
    )
    lapsed = _lapsed_holds(ClassSession.id, bindparam("now")).correlate(ClassSession).exists()
    return (
        select(ClassSession, Booking, waiting.label("waiting"), lapsed.label("lapsed"))
        .outerjoin(Booking, own)
        .where(
            ClassSession.organization_id == organization_id,
            ClassSession.id == bindparam("session_id"),
        )
        .execution_options(populate_existing=True)
    )


_SESSION_FOR_MEMBER = _session_for_member_query()  # built once: every booking runs it


async def session_and_own_spot(
    session: AsyncSession,
    organization_id: uuid.UUID,
    session_id: uuid.UUID,
    member_id: uuid.UUID,
    now: datetime,
) -> SessionForMember | None:
    """The session, the member's live spot in it, whether they have an open waitlist
    entry in the studio and whether any of the session's holds has lapsed by `now`
    unrecorded, in one round trip."""
    params = {
        "organization_id": organization_id,
        "session_id": session_id,
        "member_id": member_id,
        "now": now,
    }
    row = (await session.execute(_SESSION_FOR_MEMBER, params)).first()
    return SessionForMember(row[0], row[1], bool(row[2]), bool(row[3])) if row else None


async def booking(
    session: AsyncSession, organization_id: uuid.UUID, booking_id: uuid.UUID, *, lock: bool = False
) -> Booking | None:
    found: Booking | None = await session.scalar(
        locking(
            select(Booking).where(
                Booking.organization_id == organization_id, Booking.id == booking_id
            ),
            lock,
        )
    )
    return found


async def expire_holds(
    session: AsyncSession, *, now: datetime, session_id: uuid.UUID
) -> list[tuple[uuid.UUID, uuid.UUID, bool]]:
    """Record the session's holds and offers past their expiry as expired (their spots
    count in `taken` until then); their (booking, session, offered) ids."""
    due = (
        select(Booking.id)
        .where(
            Booking.session_id == session_id,
            Booking.status == "held",
            Booking.hold_expires_at <= now,
        )
        .with_for_update(skip_locked=True)
    )
    rows = await session.execute(
        update(Booking)
        .where(Booking.id.in_(due.scalar_subquery()))
        .values(status="expired", ended_at=now)
        .returning(Booking.id, Booking.session_id, Booking.offered)
        .execution_options(synchronize_session=False)
    )
    return [(row[0], row[1], row[2]) for row in rows]


async def counts(
    session: AsyncSession, session_ids: Sequence[uuid.UUID], now: datetime
) -> dict[uuid.UUID, Counts]:
    """Booked, unexpired held and waiting counts of each session (the ids go as one
    array, so the statement's text, and its prepared plan, is the same for any page)."""
    if not session_ids:
        return {}
    ids = literal(list(session_ids), type_=ARRAY(Uuid))
    spots = await session.execute(
        select(
            Booking.session_id,
            func.count().filter(Booking.status.in_(BOOKED)),
            func.count().filter(Booking.status == "held", Booking.hold_expires_at > now),
        )
        .where(Booking.session_id == any_(ids), Booking.status.in_(LIVE_STATUSES))
        .group_by(Booking.session_id)
    )
    waiting_rows = await session.execute(
        select(WaitlistEntry.session_id, func.count())
        .where(WaitlistEntry.session_id == any_(ids), WaitlistEntry.status == "waiting")
        .group_by(WaitlistEntry.session_id)
    )
    waiting = {row[0]: int(row[1]) for row in waiting_rows}
    found = {row[0]: (row[1], row[2]) for row in spots}
    return {
        sid: Counts(*found.get(sid, (0, 0)), waiting=waiting.get(sid, 0)) for sid in session_ids
    }


async def live_spots(
    session: AsyncSession, session_id: uuid.UUID, *, excluding: Sequence[uuid.UUID] = ()
) -> list[Booking]:
    """The session's live spots, locked in id order."""
    query = select(Booking).where(
        Booking.session_id == session_id, Booking.status.in_(LIVE_STATUSES)
    )
    if excluding:
        query = query.where(Booking.id.not_in(excluding))
    return list((await session.scalars(query.order_by(Booking.id).with_for_update())).all())


async def strikes_since(
    session: AsyncSession, organization_id: uuid.UUID, member_id: uuid.UUID, since: datetime
) -> list[datetime]:
    rows = await session.scalars(
        select(Booking.strike_at).where(
            Booking.organization_id == organization_id,
            Booking.member_id == member_id,
            Booking.strike_at.is_not(None),
            Booking.strike_at > since,
        )
    )
    return [at for at in rows if at is not None]


async def trainer_overlaps(
    session: AsyncSession,
    trainer_id: uuid.UUID,
    starts_at: datetime,
    ends_at: datetime,
    *,
    excluding: uuid.UUID | None = None,
) -> bool:
    query = select(ClassSession.id).where(
        ClassSession.trainer_id == trainer_id,
        ClassSession.status != "cancelled",
        ClassSession.starts_at < ends_at,
        ClassSession.ends_at > starts_at,
    )
    if excluding is not None:
        query = query.where(ClassSession.id != excluding)
    return (await session.scalar(query.limit(1))) is not None


async def advisory_lock(session: AsyncSession, *parts: object) -> None:
    """A transaction-scoped lock on a name made of `parts`."""
    key = "\x1f".join(str(part) for part in parts)
    await session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))


async def lock_spots(session: AsyncSession, class_session: ClassSession) -> None:
    """Take the session's spot lock (the row lock the spot-counting trigger takes) and
    re-read its counts: waitlist changes and promotions of one session queue here."""
    await session.execute(
        select(ClassSession.id)
        .where(ClassSession.id == class_session.id)
        .with_for_update(key_share=True)
    )
    await session.refresh(class_session)


async def unchecked_past_grace(
    session: AsyncSession, *, now: datetime, default_grace_seconds: int, batch: int
) -> Sequence[Booking]:
    """Confirmed bookings not checked in whose start plus the studio's check-in grace
    has passed, locked (skipping rows another worker holds)."""
    grace = func.coalesce(
        Organization.policy["checkin_grace_seconds"].as_integer(), default_grace_seconds
    )
    rows = await session.scalars(
        select(Booking)
        .join(Organization, Organization.id == Booking.organization_id)
        .where(
            Booking.status == "confirmed",
            Booking.checked_in_at.is_(None),
            Booking.starts_at <= now,  # the partial index's range; grace narrows it
            Booking.starts_at + func.make_interval(0, 0, 0, 0, 0, 0, grace) <= now,
        )
        .order_by(Booking.starts_at)
        .limit(batch)
        .with_for_update(of=Booking, skip_locked=True)
    )
    return rows.all()


@dataclass(frozen=True)
class SessionFilter:
    starts_from: datetime
    starts_before: datetime | None = None
    trainer_id: uuid.UUID | None = None
    class_type_id: uuid.UUID | None = None
    available_only: bool = False
    with_drafts: bool = False
    from_now: bool = False
    """`starts_from` is the clock's reading, not an instant asked for."""


async def spots_of(session: AsyncSession, session_id: uuid.UUID) -> Sequence[Booking]:
    """Every spot ever taken in the session, oldest first."""
    rows = await session.scalars(
        select(Booking).where(Booking.session_id == session_id).order_by(Booking.created_at)
    )
    return rows.all()


async def member_bookings(
    session: AsyncSession,
    organization_id: uuid.UUID,
    member_id: uuid.UUID,
    *,
    status: str | None,
    past: bool,
    now: datetime,
    params: PageParams,
) -> tuple[list[Any], str | None]:
    """A member's bookings (not holds) by session start: from now on soonest first, or
    before now latest first."""
    query = select(Booking).where(
        Booking.organization_id == organization_id,
        Booking.member_id == member_id,
        Booking.confirmed_at.is_not(None),
        Booking.starts_at < now if past else Booking.starts_at >= now,
    )
    if status is not None:
        query = query.where(Booking.status == status)
    return await keyset_page(
        session, query, key=(Booking.starts_at, Booking.id), params=params, newest_first=past
    )


async def sessions_with_lapsed_holds(
    session: AsyncSession, *, now: datetime, limit: int
) -> Sequence[ClassSession]:
    lapsed = (
        select(Booking.session_id)
        .where(Booking.status == "held", Booking.hold_expires_at <= now)
        .distinct()
        .limit(limit)
    )
    rows = await session.scalars(
        select(ClassSession)
        .where(ClassSession.id.in_(lapsed.scalar_subquery()))
        .order_by(ClassSession.starts_at, ClassSession.id)
    )
    return rows.all()


async def has_lapsed_holds(session: AsyncSession, session_id: uuid.UUID, now: datetime) -> bool:
    """Whether a hold or offer of the session has lapsed without being recorded."""
    return bool(await session.scalar(select(_lapsed_holds(session_id, now).exists())))


async def sessions_with_waiting_beside_free_spots(
    session: AsyncSession, *, now: datetime, limit: int
) -> Sequence[ClassSession]:
    waiting = select(WaitlistEntry.session_id).where(WaitlistEntry.status == "waiting").distinct()
    rows = await session.scalars(
        select(ClassSession)
        .where(
            ClassSession.id.in_(waiting.scalar_subquery()),
            ClassSession.status == "published",
            ClassSession.starts_at > now,
            ClassSession.taken < ClassSession.capacity,
        )
        .order_by(ClassSession.starts_at, ClassSession.id)
        .limit(limit)
    )
    return rows.all()
