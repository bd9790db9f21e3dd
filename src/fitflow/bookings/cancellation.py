"""Cancelling a booking under the studio's tiered policy, and no-shows.

The tier is chosen by how long before the start, on the studio's wall clock, the
cancellation happens; the entitlement service gives back that share of what paid. An
unlimited member's late cancellation, like a no-show, records a strike.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.audit import service as audit
from fitflow.bookings import repository, rules, spots, waitlist
from fitflow.bookings.errors import BookingNotCancellable, BookingNotFound, ClassSessionStarted
from fitflow.bookings.metrics import CANCELLATIONS
from fitflow.bookings.models import Booking
from fitflow.bookings.schemas import BookingRead, cancellation_of
from fitflow.entitlements import service as entitlements
from fitflow.kit import time
from fitflow.kit.errors import PermissionDenied
from fitflow.members import service as members
from fitflow.organizations.models import Organization
from fitflow.organizations.permissions import Action, Actor, allowed
from fitflow.organizations.policy import Policy, policy_of

CANCELLED = ("cancelled", "late_cancelled")


async def cancel(
    session: AsyncSession,
    actor: Actor,
    organization: Organization,
    booking_id: uuid.UUID,
    *,
    waive_reason: str | None = None,
) -> BookingRead:
    """Cancel a confirmed booking (the member, or staff for anyone) and give back what
    the policy's tier allows; staff may waive the tier with a reason. Cancelling again
    answers the first cancellation. Locks the booking, then its charge, then the session's
    spot lock to offer the spot on."""
    is_staff = allowed(actor, Action.manage_bookings)
    spot = await repository.booking(session, organization.id, booking_id, lock=True)
    if spot is None or spot.status == "held" or not (is_staff or await _owns(session, actor, spot)):
        raise BookingNotFound()
    if waive_reason is not None and not is_staff:
        raise PermissionDenied(data={"action": Action.manage_bookings.value})
    if spot.status in CANCELLED:
        if waive_reason is not None and spot.waived_reason is None:
            raise BookingNotCancellable(
                data={"status": spot.status, "reason": "a waiver comes with the cancellation"}
            )
        outcome = await entitlements.refund(
            session, organization_id=organization.id, source=spots.source_of(spot), percent=0
        )
        return BookingRead.of(spot, cancellation=cancellation_of(spot, outcome))
    if spot.status != "confirmed":
        raise BookingNotCancellable(data={"status": spot.status})
    now = time.now()
    if now >= spot.starts_at and not is_staff:
        raise ClassSessionStarted()
    return await _cancel(session, actor, organization, spot, now, waive_reason=waive_reason)


async def _cancel(
    session: AsyncSession,
    actor: Actor,
    organization: Organization,
    spot: Booking,
    now: datetime,
    *,
    waive_reason: str | None,
) -> BookingRead:
    tiers = policy_of(organization.policy).cancellation_tiers
    tier = rules.cancellation_tier(spot.starts_at, organization.timezone, tiers, now)
    percent = 100 if waive_reason is not None else tier.refund_percent
    outcome = await entitlements.refund(
        session,
        organization_id=organization.id,
        source=spots.source_of(spot),
        percent=percent,
        reason="booking cancelled",
        actor_user_id=actor.user_id,
    )
    spot.status = "cancelled" if percent == 100 else "late_cancelled"
    spot.ended_at, spot.refund_percent, spot.cancel_tier_hours = now, percent, tier.min_hours_before
    spot.waived_reason = waive_reason
    if outcome is not None and outcome.method == "membership" and percent < 100:
        spot.strike_at = now
    await session.flush()
    CANCELLATIONS.labels(str(percent)).inc()
    if waive_reason is not None:
        await audit.by_actor(
            session,
            actor,
            "booking.cancellation_waived",
            ("booking", spot.id),
            {"reason": waive_reason, "tier_refund_percent": tier.refund_percent},
        )
    class_session = await repository.class_session(session, organization.id, spot.session_id)
    if class_session is not None:  # a booking's session is never deleted
        await waitlist.tidy(session, organization, class_session, now)
    return BookingRead.of(spot, cancellation=cancellation_of(spot, outcome))


async def record_no_shows(session: AsyncSession, *, now: datetime, batch: int = 500) -> int:
    """Confirmed bookings nobody checked in to by start + grace become no-shows with a
    strike; what paid stays spent."""
    grace = Policy.model_fields["checkin_grace_seconds"].default
    due = await repository.unchecked_past_grace(
        session, now=now, default_grace_seconds=grace, batch=batch
    )
    for spot in due:
        spot.status, spot.strike_at = "no_show", now
    await session.flush()
    return len(due)


async def _owns(session: AsyncSession, actor: Actor, spot: Booking) -> bool:
    return await members.is_own(session, actor, spot.member_id)
