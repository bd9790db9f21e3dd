"""Waitlists: joining, leaving, and giving freed spots to the people waiting.

Promotions, leaves and expiries of a session run under its spot lock (the row lock the
spot-counting trigger takes), so a promotion never races a cancellation or another
promotion. Joins queue on the session's waitlist lock instead, so a crowd joining a full
class never waits behind bookings in flight; a join that crosses a freed spot unseen is
promoted by the next sweep.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.bookings import notices, repository, rules, spots, strikes
from fitflow.bookings import waitlist_repository as waitlists
from fitflow.bookings.errors import (
    NOT_BOOKABLE,
    AlreadyBooked,
    AlreadyWaiting,
    ClassSessionNotFound,
    NotOnWaitlist,
    PaymentRequiredForHold,
    WaitlistClosed,
    WaitlistFull,
    WaitlistNotNeeded,
)
from fitflow.bookings.metrics import HOLDS, WAITLIST
from fitflow.bookings.models import Booking, ClassSession, WaitlistEntry
from fitflow.bookings.schemas import WaitlistEntryRead
from fitflow.kit import time
from fitflow.members import service as members
from fitflow.organizations.models import Organization
from fitflow.organizations.permissions import Action, Actor, allowed
from fitflow.organizations.policy import Policy, policy_of

CLOSING_REASONS = (
    "class_session_not_published",
    "class_session_cancelled",
    "class_session_started",
    "booking_closed",
)


async def tidy(
    session: AsyncSession, organization: Organization, class_session: ClassSession, now: datetime
) -> bool:
    """Free the session's lapsed holds and offers and give every free spot to the
    waitlist. Takes the session's spot lock. True if anything changed."""
    expired = await expire_lapsed(session, class_session, now)
    promoted = await _promote(session, organization, class_session, now)
    return expired or promoted


async def expire_lapsed(session: AsyncSession, class_session: ClassSession, now: datetime) -> bool:
    """Record the session's lapsed holds and offers as expired (their waitlist entries
    too), without giving the spots on. Takes the session's spot lock."""
    await repository.lock_spots(session, class_session)
    expired = await repository.expire_holds(session, now=now, session_id=class_session.id)
    if expired:
        HOLDS.labels("expired").inc(len(expired))
        offers = [booking_id for booking_id, _, offered in expired if offered]
        await waitlists.end_offers(session, offers, "expired", now)
        await session.refresh(class_session)
    return bool(expired)


async def join(
    session: AsyncSession, actor: Actor, organization: Organization, session_id: uuid.UUID
) -> WaitlistEntryRead:
    """Wait for a spot in a full session; the entry and its position. Joins of one
    session queue on its waitlist lock (so `waitlist_max` holds), not on its spot lock."""
    member_id = await members.own_member_id(session, actor)
    now, policy = time.now(), policy_of(organization.policy)
    class_session = await _session(session, organization, session_id)
    _refuse_closed(class_session, organization, policy, now)
    await strikes.refuse_if_banned(session, organization.id, member_id, policy, now)
    await repository.advisory_lock(session, "waitlist", session_id)
    if await repository.has_lapsed_holds(session, session_id, now):
        await tidy(session, organization, class_session, now)
    if await waitlists.open_entry(session, session_id, member_id) is not None:
        raise AlreadyWaiting()
    found = await repository.session_and_own_spot(
        session, organization.id, session_id, member_id, now
    )
    if found is not None and found.own is not None:
        raise AlreadyBooked(data={"booking_id": str(found.own.id)})
    if class_session.taken < class_session.capacity:
        raise WaitlistNotNeeded(data={"spots_left": class_session.capacity - class_session.taken})
    waiting = await waitlists.waiting_count(session, session_id)
    if policy.waitlist_max is not None and waiting >= policy.waitlist_max:
        raise WaitlistFull(data={"waitlist_max": policy.waitlist_max})
    entry = WaitlistEntry(
        organization_id=organization.id, session_id=session_id, member_id=member_id
    )
    await repository.add(session, entry)
    WAITLIST.labels("joined").inc()
    return WaitlistEntryRead.of(entry, await waitlists.position(session, entry))


async def leave(
    session: AsyncSession, actor: Actor, organization: Organization, session_id: uuid.UUID
) -> None:
    """Stop waiting; an offer held is released and goes to the next in line."""
    member_id = await members.own_member_id(session, actor)
    class_session = await _session(session, organization, session_id)
    await repository.lock_spots(session, class_session)
    entry = await waitlists.open_entry(session, session_id, member_id)
    if entry is None:
        raise NotOnWaitlist()
    now = time.now()
    if entry.status == "offered" and entry.booking_id is not None:
        offer = await repository.booking(session, organization.id, entry.booking_id, lock=True)
        if offer is not None and offer.status == "held":
            lapsed = offer.hold_expires_at is not None and offer.hold_expires_at <= now
            offer.status, offer.ended_at = ("expired" if lapsed else "released"), now
            HOLDS.labels(offer.status).inc()
    entry.status, entry.ended_at = "left", now
    await session.flush()
    WAITLIST.labels("left").inc()
    await tidy(session, organization, class_session, now)


async def entries(
    session: AsyncSession, actor: Actor, organization: Organization, session_id: uuid.UUID
) -> list[WaitlistEntryRead]:
    """Staff see everyone waiting or offered, in order; a member sees their own entry."""
    await _session(
        session, organization, session_id, drafts=allowed(actor, Action.schedule_sessions)
    )
    if allowed(actor, Action.manage_bookings):
        listed, waiting = [], 0
        for row in await waitlists.entries(session, session_id, open_only=True):
            waiting += row.status == "waiting"
            listed.append(WaitlistEntryRead.of(row, waiting))
        return listed
    member_id = await members.own_member_id(session, actor)
    entry = await waitlists.open_entry(session, session_id, member_id)
    if entry is None:
        return []
    return [WaitlistEntryRead.of(entry, await waitlists.position(session, entry))]


async def settle(session: AsyncSession, spot: Booking, ends_at: datetime, now: datetime) -> None:
    """The member got a spot: their entry for this session is promoted and they stop
    waiting for sessions overlapping it."""
    entry = await waitlists.open_entry(session, spot.session_id, spot.member_id)
    if entry is not None:
        entry.status, entry.booking_id, entry.ended_at = "promoted", spot.id, now
        await session.flush()
        WAITLIST.labels("promoted").inc()
    await waitlists.leave_overlapping(session, spot, ends_at, now)


async def _promote(
    session: AsyncSession, organization: Organization, class_session: ClassSession, now: datetime
) -> bool:
    """Offer (or, in auto mode, book) free spots to the waiting members in order,
    passing over those auto mode cannot charge."""
    policy = policy_of(organization.policy)
    if not _still_open(class_session, organization, policy, now):
        return False
    passed: list[uuid.UUID] = []
    changed = False
    while class_session.taken < class_session.capacity:
        entry = await waitlists.next_waiting(session, class_session.id, excluding=passed)
        if entry is None:
            break
        if not await _give_spot(session, organization, policy, class_session, entry, now=now):
            passed.append(entry.id)
        changed = True
        await session.refresh(class_session)
    return changed


async def _give_spot(
    session: AsyncSession,
    organization: Organization,
    policy: Policy,
    class_session: ClassSession,
    entry: WaitlistEntry,
    *,
    now: datetime,
) -> bool:
    """Offer or book the spot for `entry`; False if auto mode passed the member over."""
    if await strikes.banned_until(session, organization.id, entry.member_id, policy, now):
        return await _pass_over(session, organization, class_session, entry, ["booking_blocked"])
    if await waitlists.has_overlapping_spot(
        session, entry, class_session.starts_at, class_session.ends_at
    ):  # booked elsewhere at that time since joining: they stop waiting here
        entry.status, entry.ended_at = "left", now
        await session.flush()
        return True
    auto = policy.waitlist_mode == "auto"
    hold_for = timedelta(seconds=policy.hold_seconds if auto else policy.waitlist_offer_seconds)
    try:
        async with session.begin_nested():
            spot = await spots.take(
                session,
                class_session,
                entry.member_id,
                hold_for=hold_for,
                now=now,
                booked_by=None,
                offered=not auto,
            )
            if auto:
                await spots.pay_and_confirm(
                    session, organization, class_session, spot, now=now, channel="waitlist"
                )
    except PaymentRequiredForHold as unpaid:
        reasons = unpaid.data.get("reasons") or ["nothing_pays"]
        return await _pass_over(session, organization, class_session, entry, reasons)
    except AlreadyBooked:
        entry.status, entry.ended_at = "left", now
        await session.flush()
        return True
    entry.booking_id = spot.id
    if auto:
        await settle(session, spot, class_session.ends_at, now)
        await notices.promoted(session, organization, entry.member_id, class_session)
    else:
        entry.status = "offered"
        await session.flush()
        WAITLIST.labels("offered").inc()
        expires_at = spot.hold_expires_at or now
        await notices.spot_offered(
            session, organization, entry.member_id, class_session, expires_at
        )
    return True


async def _pass_over(
    session: AsyncSession,
    organization: Organization,
    class_session: ClassSession,
    entry: WaitlistEntry,
    reasons: list[str],
) -> bool:
    """The member cannot take the spot now (nothing pays in auto mode, or the strike rule
    blocks them): they keep their place and are told once."""
    reason = ", ".join(str(r) for r in reasons)
    WAITLIST.labels("skipped").inc()
    if entry.skipped_reason is None:
        await notices.skipped(session, organization, entry.member_id, class_session, reason)
    entry.skipped_reason = reason[:200]
    await session.flush()
    return False


async def _session(
    session: AsyncSession,
    organization: Organization,
    session_id: uuid.UUID,
    *,
    drafts: bool = False,
) -> ClassSession:
    found = await repository.class_session(session, organization.id, session_id)
    if found is None or (found.status == "draft" and not drafts):
        raise ClassSessionNotFound()
    return found


def _refuse_closed(
    class_session: ClassSession, organization: Organization, policy: Policy, now: datetime
) -> None:
    reason = rules.booking_refusal(
        class_session.status, class_session.starts_at, organization.timezone, policy, now
    )
    if reason in CLOSING_REASONS:
        raise NOT_BOOKABLE[reason]()
    if not rules.waitlist_open(class_session.starts_at, policy, now):
        raise WaitlistClosed()


def _still_open(
    class_session: ClassSession, organization: Organization, policy: Policy, now: datetime
) -> bool:
    """Spots go to the waitlist only while one could still be confirmed: the session
    published, booking not closed and the waitlist cut-off not passed."""
    reason = rules.booking_refusal(
        class_session.status, class_session.starts_at, organization.timezone, policy, now
    )
    return reason not in CLOSING_REASONS and rules.waitlist_open(
        class_session.starts_at, policy, now
    )
