"""Holds and bookings for members and staff: hold a spot, confirm it (paying through
the entitlement service in the same transaction), release it, or do both in one step.

Lock order: the member's spot row, then the entitlement locks (source, memberships,
credit lots), then the session's spot lock (taken by the trigger when a spot is taken or
given back). A one-step booking charges before it takes its spot for that reason;
confirming a hold moves no count and takes no spot lock.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.bookings import hold_checkout, repository, rules, spots, strikes, waitlist
from fitflow.bookings import waitlist_repository as waitlists
from fitflow.bookings.errors import (
    NOT_BOOKABLE,
    AlreadyBooked,
    BookingNotFound,
    ClassSessionFull,
    ClassSessionNotFound,
    FullAfterTidy,
    HoldExpired,
    HoldNotActive,
    HoldNotFound,
    PaymentRequiredForHold,
)
from fitflow.bookings.metrics import BOOKINGS, HOLDS, LATENCY
from fitflow.bookings.models import Booking, ClassSession
from fitflow.bookings.schemas import BookingRead, HoldRead
from fitflow.entitlements.errors import PaymentRequired
from fitflow.kit import time
from fitflow.kit.pagination import Page, PageParams
from fitflow.members import service as members
from fitflow.organizations.models import Organization
from fitflow.organizations.permissions import Action, Actor, require
from fitflow.organizations.policy import Policy, policy_of


async def hold(
    session: AsyncSession,
    actor: Actor,
    organization: Organization,
    session_id: uuid.UUID,
    *,
    member_id: uuid.UUID | None = None,
) -> HoldRead:
    """Reserve a spot for the policy's `hold_seconds`. `member_id` is the caller's own
    member record when the caller already knows it (else it is looked up)."""
    with LATENCY.labels("hold").time():
        member_id = member_id or await members.own_member_id(session, actor)
        found = await _bookable(session, organization, session_id, member_id, staff=False)
        spot = await _take_hold(session, organization, found.session, member_id, actor)
        return HoldRead.of(spot, time.now())


async def confirm(
    session: AsyncSession, actor: Actor, organization: Organization, hold_id: uuid.UUID
) -> BookingRead:
    """Pay for a held spot and book it. Locks the hold, then the entitlements."""
    with LATENCY.labels("confirm").time():
        member_id = await members.own_member_id(session, actor)
        spot = await repository.booking(session, organization.id, hold_id, lock=True)
        if spot is None or spot.member_id != member_id:
            raise HoldNotFound()
        now = time.now()
        await _still_held(session, organization, spot, now)
        class_session = await _class_session(session, organization, spot.session_id)
        _refuse_unbookable(
            class_session, organization, policy_of(organization.policy), now, staff=True
        )
        return await _confirm(
            session,
            organization,
            class_session,
            spot,
            now,
            channel="member",
            actor_user_id=actor.user_id,
        )


async def release(
    session: AsyncSession, actor: Actor, organization: Organization, hold_id: uuid.UUID
) -> None:
    """Give a held spot (or a waitlist offer) back; it goes to the waitlist first."""
    member_id = await members.own_member_id(session, actor)
    spot = await repository.booking(session, organization.id, hold_id, lock=True)
    if spot is None or spot.member_id != member_id:
        raise HoldNotFound()
    now = time.now()
    if spot.status in ("released", "expired"):
        return
    class_session = await _class_session(session, organization, spot.session_id)
    if lapsed(spot, now):  # gone already: record it, and its spot goes on
        await waitlist.tidy(session, organization, class_session, now)
        return
    if spot.status != "held":
        raise HoldNotActive(data={"status": spot.status})
    spot.status, spot.ended_at = "released", now
    await session.flush()
    HOLDS.labels("released").inc()
    if spot.offered:
        await waitlists.end_offers(session, [spot.id], "left", now)
    await waitlist.tidy(session, organization, class_session, now)


async def book(
    session: AsyncSession,
    actor: Actor,
    organization: Organization,
    session_id: uuid.UUID,
    *,
    member_id: uuid.UUID | None = None,
) -> BookingRead:
    """Hold and confirm in one step. When nothing pays, the hold is kept (402).
    `member_id` is the caller's own member record when the caller already knows it."""
    with LATENCY.labels("book").time():
        member_id = member_id or await members.own_member_id(session, actor)
        found = await _bookable(session, organization, session_id, member_id, staff=False)
        return await _book_at_once(session, organization, found, member_id, actor, channel="member")


async def book_for(
    session: AsyncSession,
    actor: Actor,
    organization: Organization,
    *,
    member_id: uuid.UUID,
    session_id: uuid.UUID,
) -> BookingRead:
    """Staff book a member in: the usual rules, except that booking need not be open
    yet and the strike rule does not apply."""
    require(actor, Action.book_for_members)
    await members.ensure_member(session, organization.id, member_id)
    found = await _bookable(session, organization, session_id, member_id, staff=True)
    return await _book_at_once(session, organization, found, member_id, actor, channel="staff")


async def _bookable(
    session: AsyncSession,
    organization: Organization,
    session_id: uuid.UUID,
    member_id: uuid.UUID,
    *,
    staff: bool,
) -> repository.SessionForMember:
    """The session, once the rules allow the member a spot in it now; lapsed holds of a
    full session are freed first."""
    now, policy = time.now(), policy_of(organization.policy)
    if not staff:
        await strikes.refuse_if_banned(session, organization.id, member_id, policy, now)
    found = await repository.session_and_own_spot(
        session, organization.id, session_id, member_id, now
    )
    if found is None or (found.session.status == "draft" and not staff):
        raise ClassSessionNotFound()
    class_session, own = found.session, found.own
    _refuse_unbookable(class_session, organization, policy, now, staff=staff)
    if own is not None and not lapsed(own, now):
        raise AlreadyBooked(data={"booking_id": str(own.id), "status": own.status})
    if own is not None or class_session.taken >= class_session.capacity:
        await _free_lapsed(session, organization, found, now)
    return found


async def _take_hold(
    session: AsyncSession,
    organization: Organization,
    class_session: ClassSession,
    member_id: uuid.UUID,
    actor: Actor,
) -> Booking:
    spot = await _take(session, organization, class_session, member_id, actor)
    HOLDS.labels("created").inc()
    return spot


async def _take(
    session: AsyncSession,
    organization: Organization,
    class_session: ClassSession,
    member_id: uuid.UUID,
    actor: Actor,
    *,
    paid: spots.Paid | None = None,
) -> Booking:
    """The member's spot: a hold for the policy's hold time, or booked when `paid`."""
    hold_for = timedelta(seconds=policy_of(organization.policy).hold_seconds)
    return await spots.take(
        session,
        class_session,
        member_id,
        hold_for=hold_for,
        now=time.now(),
        booked_by=actor.user_id,
        paid=paid,
    )


async def take_paid(
    session: AsyncSession,
    organization: Organization,
    class_session: ClassSession,
    member_id: uuid.UUID,
    actor: Actor,
    *,
    paid: spots.Paid,
    channel: str,
    waiting: bool = True,
) -> BookingRead:
    """Take the spot already paid for, confirmed: the session's spot lock (taken by the
    insert) is the last lock, held only until commit. The member leaves overlapping
    waitlists (`waiting=False`: the caller read in this transaction that they wait on
    none, so there is nothing to leave)."""
    spot = await _take(session, organization, class_session, member_id, actor, paid=paid)
    BOOKINGS.labels(channel).inc()
    if waiting:
        await waitlist.settle(session, spot, class_session.ends_at, time.now())
    return BookingRead.of(spot, paid_by=paid.charge)


async def _book_at_once(
    session: AsyncSession,
    organization: Organization,
    found: repository.SessionForMember,
    member_id: uuid.UUID,
    actor: Actor,
    *,
    channel: str,
) -> BookingRead:
    """Charge first, then take the spot confirmed. When nothing pays, a hold is taken
    instead and kept (402)."""
    class_session = found.session
    try:
        paid = await spots.pay_ahead(session, organization, class_session, member_id)
    except PaymentRequired as needed:
        spot = await _take_hold(session, organization, class_session, member_id, actor)
        unpaid = spots.kept_for_payment(spot, needed)
        if channel == "member":
            unpaid = await hold_checkout.with_checkout(
                session, organization, class_session, spot, unpaid, actor_user_id=actor.user_id
            )
        raise unpaid from needed
    return await take_paid(
        session,
        organization,
        class_session,
        member_id,
        actor,
        paid=paid,
        channel=channel,
        waiting=found.waiting_anywhere,
    )


async def book_paid_late(
    session: AsyncSession,
    organization: Organization,
    session_id: uuid.UUID,
    member_id: uuid.UUID,
) -> BookingRead:
    """Book a member whose online payment arrived after their hold lapsed, under the
    rules members book by; raises as a member's booking would (the class is full, has
    started, ...)."""
    found = await _bookable(session, organization, session_id, member_id, staff=False)
    nobody = Actor(None, organization.id)
    return await _book_at_once(session, organization, found, member_id, nobody, channel="online")


async def _free_lapsed(
    session: AsyncSession,
    organization: Organization,
    found: repository.SessionForMember,
    now: datetime,
) -> None:
    """A full session may hold lapsed holds: record them and offer their spots on first
    (under the session's spot lock). Without any, "full" answers at once, queueing
    behind no lock and with no further read."""
    class_session = found.session
    if not found.lapsed_holds:
        if class_session.taken >= class_session.capacity:
            raise ClassSessionFull()
        return
    tidied = await waitlist.tidy(session, organization, class_session, now)
    if class_session.taken >= class_session.capacity:
        raise FullAfterTidy() if tidied else ClassSessionFull()


async def _confirm(
    session: AsyncSession,
    organization: Organization,
    class_session: ClassSession,
    spot: Booking,
    now: datetime,
    *,
    channel: str,
    actor_user_id: uuid.UUID | None,
) -> BookingRead:
    """Pay for the held spot and confirm it; when nothing pays, the 402 offers a
    checkout and the hold waits for it."""
    try:
        charge = await spots.pay_and_confirm(
            session, organization, class_session, spot, now=now, channel=channel
        )
    except PaymentRequiredForHold as unpaid:
        raise await hold_checkout.with_checkout(
            session, organization, class_session, spot, unpaid, actor_user_id=actor_user_id
        ) from None
    HOLDS.labels("confirmed").inc()
    await waitlist.settle(session, spot, class_session.ends_at, now)
    return BookingRead.of(spot, paid_by=charge)


async def _still_held(
    session: AsyncSession, organization: Organization, spot: Booking, now: datetime
) -> None:
    """Refuse a hold that is no longer active; a lapsed one is marked expired (kept,
    with its spot given to the waitlist) and answers 410."""
    if spot.status == "expired" or lapsed(spot, now):
        if spot.status == "held":
            class_session = await _class_session(session, organization, spot.session_id)
            await waitlist.tidy(session, organization, class_session, now)
        expired_at = spot.hold_expires_at.isoformat() if spot.hold_expires_at else None
        raise HoldExpired(data={"expired_at": expired_at})
    if spot.status != "held":
        raise HoldNotActive(data={"status": spot.status})


def lapsed(spot: Booking, now: datetime) -> bool:
    expires = spot.hold_expires_at
    return spot.status == "held" and expires is not None and expires <= now


def _refuse_unbookable(
    class_session: ClassSession,
    organization: Organization,
    policy: Policy,
    now: datetime,
    *,
    staff: bool,
) -> None:
    reason = rules.booking_refusal(
        class_session.status, class_session.starts_at, organization.timezone, policy, now
    )
    if reason is None or (staff and reason == "booking_not_open"):
        return
    window = rules.booking_window(class_session.starts_at, organization.timezone, policy)
    raise NOT_BOOKABLE[reason](
        data={"opens_at": window.opens_at.isoformat(), "closes_at": window.closes_at.isoformat()}
    )


async def _class_session(
    session: AsyncSession, organization: Organization, session_id: uuid.UUID
) -> ClassSession:
    found = await repository.class_session(session, organization.id, session_id)
    if found is None:
        raise ClassSessionNotFound()
    return found


async def my_bookings(
    session: AsyncSession,
    actor: Actor,
    organization: Organization,
    *,
    status: str | None,
    past: bool,
    params: PageParams,
) -> Page[BookingRead]:
    member_id = await members.own_member_id(session, actor)
    rows, cursor = await repository.member_bookings(
        session,
        organization.id,
        member_id,
        status=status,
        past=past,
        now=time.now(),
        params=params,
    )
    return Page(items=[BookingRead.of(row[0]) for row in rows], next_cursor=cursor)


async def own_booking(
    session: AsyncSession, actor: Actor, organization: Organization, booking_id: uuid.UUID
) -> Booking:
    """The caller's own confirmed (or since cancelled) booking; 404 for anyone else's."""
    member_id = await members.own_member_id(session, actor)
    spot = await repository.booking(session, organization.id, booking_id)
    if spot is None or spot.member_id != member_id or spot.confirmed_at is None:
        raise BookingNotFound()
    return spot
