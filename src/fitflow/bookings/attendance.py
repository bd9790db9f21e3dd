"""Attendance: a booking checked in becomes `attended` (late after the start). The
check-in domain calls this after it has verified who is checking in and how."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.bookings import repository, rules
from fitflow.bookings.errors import BookingNotFound, CheckinNotOpen, NotCheckable
from fitflow.bookings.models import Booking
from fitflow.organizations.models import Organization
from fitflow.organizations.policy import policy_of


@dataclass(frozen=True)
class Attendance:
    booking: Booking
    first: bool
    """False when the booking was already checked in: this answers the first check-in."""


async def check_in(
    session: AsyncSession, organization: Organization, booking_id: uuid.UUID, now: datetime
) -> Attendance:
    """Check a confirmed booking in (or a no-show whose member turned up after all, which
    takes back the strike). Locks the booking."""
    spot = await repository.booking(session, organization.id, booking_id, lock=True)
    if spot is None or spot.confirmed_at is None:
        raise BookingNotFound()
    if spot.checked_in_at is not None:
        return Attendance(spot, first=False)
    if spot.status not in ("confirmed", "no_show"):
        raise NotCheckable(data={"status": spot.status})
    class_session = await repository.class_session(session, organization.id, spot.session_id)
    if class_session is None:
        raise BookingNotFound()
    policy = policy_of(organization.policy)
    refusal = rules.checkin_refusal(class_session.starts_at, class_session.ends_at, policy, now)
    if refusal is not None:
        window_opens = rules.checkin_opens_at(class_session.starts_at, policy)
        raise CheckinNotOpen(
            data={
                "reason": refusal,
                "opens_at": window_opens.isoformat(),
                "closes_at": class_session.ends_at.isoformat(),
            }
        )
    spot.status, spot.checked_in_at, spot.checked_in_late = "attended", now, now > spot.starts_at
    spot.strike_at = None
    await session.flush()
    return Attendance(spot, first=True)
