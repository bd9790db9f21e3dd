"""The checkout that pays a held spot: when nothing the member holds pays, the 402
carries a checkout for the studio's drop-in, and the hold waits for it."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.bookings import notices
from fitflow.bookings.errors import PaymentRequiredForHold
from fitflow.bookings.models import Booking, ClassSession
from fitflow.organizations.models import Organization
from fitflow.payments import checkout


async def with_checkout(
    session: AsyncSession,
    organization: Organization,
    class_session: ClassSession,
    spot: Booking,
    unpaid: PaymentRequiredForHold,
    *,
    actor_user_id: uuid.UUID | None,
) -> PaymentRequiredForHold:
    """The 402 for a held spot, with a checkout for the drop-in offered when the studio
    takes payments online; the hold is then kept until the checkout closes."""
    offer = unpaid.data.get("drop_in")
    if not isinstance(offer, dict):
        return unpaid
    when = notices.local(class_session.starts_at, organization)
    opened = await checkout.start_hold_checkout(
        session,
        organization,
        member_id=spot.member_id,
        booking_id=spot.id,
        plan_id=uuid.UUID(str(offer["plan_id"])),
        class_label=f"{class_session.title}, {when}",
        actor_user_id=actor_user_id,
    )
    if opened is None:
        return unpaid
    if spot.hold_expires_at is None or spot.hold_expires_at < opened.expires_at:
        spot.hold_expires_at = opened.expires_at
        await session.flush()
    return PaymentRequiredForHold(
        data={
            **unpaid.data,
            "hold_expires_at": spot.hold_expires_at.isoformat(),
            "checkout": opened.model_dump(mode="json"),
        }
    )
