"""Taking a spot and paying for it: the two writes every booking path shares.

A spot is a `bookings` row in a live status; the spot-counting trigger moves
`class_sessions.taken`, whose CHECK refuses going over capacity. These functions only
write and translate what PostgreSQL refuses; callers check the rules first.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.bookings.errors import (
    AlreadyBooked,
    ClassSessionCancelled,
    ClassSessionFull,
    ClassSessionNotFound,
    PaymentRequiredForHold,
)
from fitflow.bookings.metrics import BOOKINGS, CAPACITY_REFUSALS
from fitflow.bookings.models import Booking, ClassSession
from fitflow.entitlements import service as entitlements
from fitflow.entitlements.errors import PaymentRequired
from fitflow.entitlements.schemas import ChargeRead, ClassTerms
from fitflow.kit.errors import AppError
from fitflow.kit.source import Source
from fitflow.organizations.models import Organization

_REFUSALS: dict[str, type[AppError]] = {
    "ck_class_sessions_taken_within_capacity": ClassSessionFull,
    "ck_class_sessions_open_for_booking": ClassSessionCancelled,
    "uq_bookings_one_live_per_member": AlreadyBooked,
    "fk_bookings_session_id_class_sessions": ClassSessionNotFound,
}


def source_of(spot: Booking) -> Source:
    """What the entitlement service charges and refunds for a booking."""
    return Source("booking", str(spot.id))


def terms_of(class_session: ClassSession) -> ClassTerms:
    return ClassTerms(
        starts_at=class_session.starts_at,
        credit_units=class_session.credit_units,
        class_type_id=class_session.class_type_id,
    )


def refusal(error: IntegrityError) -> AppError | None:
    """The typed error for a spot PostgreSQL refused, or None for another failure."""
    constraint = getattr(getattr(error.orig, "diag", None), "constraint_name", None)
    found = _REFUSALS.get(constraint or "")
    if found is ClassSessionFull:
        CAPACITY_REFUSALS.inc()
    return found() if found else None


async def take(
    session: AsyncSession,
    class_session: ClassSession,
    member_id: uuid.UUID,
    *,
    hold_for: timedelta,
    now: datetime,
    booked_by: uuid.UUID | None,
    offered: bool = False,
    paid: Paid | None = None,
) -> Booking:
    """Hold a spot for `hold_for`, or with `paid` (charged beforehand under its id)
    book it confirmed at once. Raises `ClassSessionFull`, `AlreadyBooked`,
    `ClassSessionCancelled` or `ClassSessionNotFound` when PostgreSQL refuses it (the
    transaction is then spoilt: run inside a savepoint to carry on)."""
    spot = Booking(
        id=paid.booking_id if paid else uuid.uuid4(),
        organization_id=class_session.organization_id,
        session_id=class_session.id,
        member_id=member_id,
        status="confirmed" if paid else "held",
        starts_at=class_session.starts_at,
        hold_expires_at=now + hold_for,
        offered=offered,
        booked_by_user_id=booked_by,
        confirmed_at=now if paid else None,
        created_at=now,
    )
    session.add(spot)
    try:
        await session.flush()
    except IntegrityError as error:
        refused = refusal(error)
        if refused is None:
            raise
        raise refused from error
    return spot


@dataclass(frozen=True)
class Paid:
    """A charge written for a booking id before its spot is taken."""

    booking_id: uuid.UUID
    charge: ChargeRead


async def pay_ahead(
    session: AsyncSession,
    organization: Organization,
    class_session: ClassSession,
    member_id: uuid.UUID,
) -> Paid:
    """Charge the member for a booking not yet taken (raises `PaymentRequired`), so
    that taking the spot, and with it the session's spot lock, comes last."""
    booking_id = uuid.uuid4()
    charge = await entitlements.charge(
        session,
        organization=organization,
        member_id=member_id,
        terms=terms_of(class_session),
        source=Source("booking", str(booking_id)),
        new_source=True,
    )
    return Paid(booking_id, charge)


async def pay_and_confirm(
    session: AsyncSession,
    organization: Organization,
    class_session: ClassSession,
    spot: Booking,
    *,
    now: datetime,
    channel: str,
) -> ChargeRead:
    """Charge the member's best entitlement for the held spot and confirm it (held to
    confirmed moves no count, so no spot lock is taken). When nothing pays,
    `PaymentRequiredForHold` carries the drop-in offer and the hold."""
    try:
        charge = await entitlements.charge(
            session,
            organization=organization,
            member_id=spot.member_id,
            terms=terms_of(class_session),
            source=source_of(spot),
        )
    except PaymentRequired as needed:
        raise kept_for_payment(spot, needed) from needed
    spot.status, spot.confirmed_at = "confirmed", now
    await session.flush()
    BOOKINGS.labels(channel).inc()
    return charge


def kept_for_payment(spot: Booking, needed: PaymentRequired) -> PaymentRequiredForHold:
    """The 402 for a hold kept while the member pays: the offer, and the hold."""
    expires = spot.hold_expires_at.isoformat() if spot.hold_expires_at else None
    return PaymentRequiredForHold(
        data={**needed.data, "hold_id": str(spot.id), "hold_expires_at": expires}
    )
