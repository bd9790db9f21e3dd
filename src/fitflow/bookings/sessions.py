"""Class sessions: schedule one, list and read them with their availability, change
capacity, trainer or status, cancel one, and see who is coming."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.audit import service as audit
from fitflow.bookings import listing_repository as listing
from fitflow.bookings import notices, page_cache, repository, spots, trainers, waitlist
from fitflow.bookings import waitlist_repository as waitlists
from fitflow.bookings.errors import (
    CapacityBelowTaken,
    ClassSessionNotFound,
    SessionNotEditable,
    TrainerBusy,
    UnknownTrainer,
)
from fitflow.bookings.models import Booking, ClassSession
from fitflow.bookings.page_cache import PageCache
from fitflow.bookings.repository import BOOKED, SessionFilter
from fitflow.bookings.schemas import (
    Attendees,
    BookingRead,
    HoldRead,
    SessionCreate,
    SessionList,
    SessionRead,
    SessionUpdate,
)
from fitflow.classes import service as classes
from fitflow.entitlements import service as entitlements
from fitflow.kit import time
from fitflow.kit.errors import PermissionDenied
from fitflow.kit.pagination import PageParams
from fitflow.organizations import service as organizations
from fitflow.organizations.models import Organization
from fitflow.organizations.permissions import Action, Actor, allowed, require


async def schedule(
    session: AsyncSession, actor: Actor, organization: Organization, body: SessionCreate
) -> SessionRead:
    """Schedule one session (trainer+). Takes the trainer's schedule lock."""
    require(actor, Action.schedule_sessions)
    trainer_id = await _trainer_for(session, actor, body.trainer_id)
    class_type = await classes.class_type_in_use(session, organization.id, body.class_type_id)
    if body.location_id is not None:
        await classes.location_in_use(session, organization.id, body.location_id)
    row = ClassSession(
        organization_id=organization.id,
        class_type_id=class_type.id,
        location_id=body.location_id,
        trainer_id=trainer_id,
        title=body.title or class_type.name,
        starts_at=body.starts_at,
        ends_at=body.starts_at + timedelta(minutes=class_type.duration_minutes),
        capacity=1 if class_type.appointment else (body.capacity or class_type.default_capacity),
        credit_units=class_type.credit_units,
        status=body.status,
    )
    await _check_trainer_free(session, organization, row)
    await repository.add(session, row)
    await audit.by_actor(session, actor, "class_session.created", ("class_session", row.id))
    return SessionRead.of(row, repository.Counts(), time.now())


async def sessions(
    session: AsyncSession,
    actor: Actor,
    organization: Organization,
    where: SessionFilter,
    params: PageParams,
) -> SessionList:
    """Sessions in start order with their spots now; drafts only for staff who schedule."""
    now = time.now()
    where = _as_seen_by(actor, where)
    found = await listing.session_rows(session, organization.id, where, params, now)
    return SessionList(found.rows, found.next_cursor, now)


async def sessions_json(
    session: AsyncSession,
    actor: Actor,
    organization: Organization,
    where: SessionFilter,
    params: PageParams,
    *,
    cache: PageCache | None,
) -> bytes:
    """What `sessions` lists, as JSON; through `cache` (`bookings.page_cache`) when one
    is given and the page can be kept."""
    if cache is None or not page_cache.keeps(where):
        return (await sessions(session, actor, organization, where, params)).json()
    where = _as_seen_by(actor, where)
    return await page_cache.serve(cache, session, organization.id, where, params)


def _as_seen_by(actor: Actor, where: SessionFilter) -> SessionFilter:
    return replace(where, with_drafts=allowed(actor, Action.schedule_sessions))


async def one(
    session: AsyncSession, actor: Actor, organization: Organization, session_id: uuid.UUID
) -> SessionRead:
    row = await _visible(session, actor, organization, session_id)
    return await _read(session, row)


async def update(
    session: AsyncSession,
    actor: Actor,
    organization: Organization,
    session_id: uuid.UUID,
    body: SessionUpdate,
) -> SessionRead:
    """Change capacity, trainer or status (the session's trainer, or admin+). Raising
    capacity offers the new spots to the waitlist; lowering it below the spots taken is
    refused; cancelling refunds and tells everyone. Takes the session's spot lock."""
    row = await _visible(session, actor, organization, session_id)
    await trainers.require_acts_for(session, actor, row.trainer_id)
    now = time.now()
    changes = body.model_dump(exclude_unset=True)
    if "trainer_id" in changes:  # a trainer hands a class only to themself
        await trainers.require_acts_for(session, actor, changes["trainer_id"])
    cancelling = changes.get("status") == "cancelled"
    # The bookings are locked before the spot lock, as a member cancelling one does.
    booked = await repository.live_spots(session, row.id) if cancelling else []
    await repository.lock_spots(session, row)
    if row.status == "cancelled" or now >= row.ends_at:
        raise SessionNotEditable()
    row.detached = row.schedule_id is not None
    if cancelling:
        booked += await repository.live_spots(session, row.id, excluding=[b.id for b in booked])
        await _cancel(
            session, organization, row, booked, now=now, reason=changes.get("cancel_reason")
        )
    else:
        await _apply(session, organization, row, changes, now)
    await audit.by_actor(
        session,
        actor,
        "class_session.updated",
        ("class_session", row.id),
        {"fields": sorted(changes)},
    )
    return await _read(session, row)


async def attendees(
    session: AsyncSession, actor: Actor, organization: Organization, session_id: uuid.UUID
) -> Attendees:
    """Bookings, active holds and the waitlist of a session (trainer+)."""
    require(actor, Action.view_attendees)
    row = await _visible(session, actor, organization, session_id)
    now = time.now()
    taken = await repository.spots_of(session, row.id)
    holds = [spot for spot in taken if spot.status == "held"]
    return Attendees(
        bookings=[BookingRead.of(spot) for spot in taken if spot.confirmed_at is not None],
        holds=[HoldRead.of(spot, now) for spot in holds],
        waitlist=await waitlist.entries(session, actor, organization, row.id),
    )


async def _apply(
    session: AsyncSession,
    organization: Organization,
    row: ClassSession,
    changes: dict[str, object],
    now: datetime,
) -> None:
    if "trainer_id" in changes:
        row.trainer_id = changes["trainer_id"]  # type: ignore[assignment]
        await _check_trainer_free(session, organization, row)
    if changes.get("status") == "published":
        row.status = "published"
    capacity = changes.get("capacity")
    if isinstance(capacity, int) and capacity != row.capacity:
        await waitlist.expire_lapsed(session, row, now)
        if capacity < row.taken:
            raise CapacityBelowTaken(data={"taken": row.taken, "capacity": capacity})
        row.capacity = capacity
    try:
        await session.flush()
    except IntegrityError as error:  # a spot taken since the refresh is still counted
        raise CapacityBelowTaken(data={"capacity": capacity}) from error
    await waitlist.tidy(session, organization, row, now)


async def _cancel(
    session: AsyncSession,
    organization: Organization,
    row: ClassSession,
    booked: list[Booking],
    *,
    now: datetime,
    reason: object,
) -> None:
    """Cancel the session: every booking refunded in full, holds and offers released,
    the waitlist closed, and everyone affected told."""
    row.status, row.cancelled_at = "cancelled", now
    row.cancel_reason = reason if isinstance(reason, str) else None
    await session.flush()
    told: set[uuid.UUID] = set()
    offers: list[uuid.UUID] = []
    for spot in booked:
        if spot.status in BOOKED:
            await entitlements.refund(
                session,
                organization_id=organization.id,
                source=spots.source_of(spot),
                percent=100,
                reason="class cancelled",
            )
            spot.status, spot.refund_percent = "cancelled", 100
        elif spot.status == "held":
            lapsed = spot.hold_expires_at is not None and spot.hold_expires_at <= now
            spot.status = "expired" if lapsed else "released"
            if spot.offered:
                offers.append(spot.id)
            if lapsed:
                spot.ended_at = now
                continue
        else:
            continue
        spot.ended_at = now
        told.add(spot.member_id)
    await session.flush()
    for entry in await waitlists.entries(session, row.id, open_only=True):
        told.add(entry.member_id)
    await waitlists.end_offers(session, offers, "expired", now)
    await waitlists.close_waitlist(session, row.id, now)
    for member_id in sorted(told):
        await notices.session_cancelled(session, organization, member_id, row)


async def _trainer_for(
    session: AsyncSession, actor: Actor, trainer_id: uuid.UUID | None
) -> uuid.UUID | None:
    """Admins schedule anyone; a trainer schedules their own classes (theirs by default)."""
    if allowed(actor, Action.manage_schedule):
        return trainer_id
    own = await organizations.own_staff_id(session, actor)
    if trainer_id not in (None, own):
        raise PermissionDenied(data={"action": Action.manage_schedule.value})
    return own


async def _check_trainer_free(
    session: AsyncSession, organization: Organization, row: ClassSession
) -> None:
    """A trainer is never in two places at once: their sessions are checked and written
    under a per-trainer lock."""
    if row.trainer_id is None:
        return
    if await organizations.staff_member(session, organization.id, row.trainer_id) is None:
        raise UnknownTrainer()
    await repository.advisory_lock(session, "trainer", row.trainer_id)
    if await repository.trainer_overlaps(
        session, row.trainer_id, row.starts_at, row.ends_at, excluding=row.id
    ):
        raise TrainerBusy()


async def _visible(
    session: AsyncSession, actor: Actor, organization: Organization, session_id: uuid.UUID
) -> ClassSession:
    row = await repository.class_session(session, organization.id, session_id)
    if row is None or (row.status == "draft" and not allowed(actor, Action.schedule_sessions)):
        raise ClassSessionNotFound()
    return row


async def _read(session: AsyncSession, row: ClassSession) -> SessionRead:
    now = time.now()
    counts = await repository.counts(session, [row.id], now)
    return SessionRead.of(row, counts[row.id], now)
