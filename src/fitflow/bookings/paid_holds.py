"""A held spot paid online (see `hold_checkout` for the checkout): when the money
arrives the drop-in pass pays for the spot. Money that arrives after the hold lapsed
books the class if a spot is free; otherwise the caller (payments) refunds it.

Lock order is the booking engine's: the member's spot row, then the entitlements, then
the session's spot lock (only when a lapsed hold is booked anew)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.bookings import holds, repository, spots, waitlist
from fitflow.bookings.errors import PaymentRequiredForHold
from fitflow.bookings.models import Booking, ClassSession
from fitflow.kit import time
from fitflow.kit.errors import AppError
from fitflow.organizations.models import Organization

ALREADY_BOOKED = frozenset({"confirmed", "attended", "no_show"})


async def book_paid_hold(
    session: AsyncSession, organization: Organization, booking_id: uuid.UUID, member_id: uuid.UUID
) -> bool:
    """The drop-in bought for a hold was paid: confirm the hold with it, or, if the hold
    lapsed meanwhile, book the class anew when the studio's rules and a free spot allow.
    False when no spot could be had (the payment is then to be refunded)."""
    spot = await repository.booking(session, organization.id, booking_id, lock=True)
    if spot is None or spot.member_id != member_id or spot.status in ALREADY_BOOKED:
        return False
    now = time.now()
    class_session = await repository.class_session(
        session, organization.id, spot.session_id, lock=False
    )
    if class_session is None:
        return False
    if spot.status == "held" and not holds.lapsed(spot, now):
        return await _confirm_held(session, organization, class_session, spot)
    if spot.status == "held":
        await waitlist.tidy(session, organization, class_session, now)
    try:
        async with session.begin_nested():
            await holds.book_paid_late(session, organization, class_session.id, member_id)
    except AppError:
        return False
    return True


async def _confirm_held(
    session: AsyncSession, organization: Organization, class_session: ClassSession, spot: Booking
) -> bool:
    now = time.now()
    try:
        async with session.begin_nested():
            await spots.pay_and_confirm(
                session, organization, class_session, spot, now=now, channel="online"
            )
    except PaymentRequiredForHold:
        return False
    await waitlist.settle(session, spot, class_session.ends_at, now)
    return True
