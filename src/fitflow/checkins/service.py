"""Check-in tokens and QR codes, and checking a booking in by token or by hand."""

from __future__ import annotations

import io
import uuid
from typing import Literal

import segno
from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.bookings import attendance
from fitflow.bookings import holds as bookings
from fitflow.checkins.errors import InvalidCheckinToken
from fitflow.checkins.schemas import CheckinCreate, CheckinRead
from fitflow.kit import signing, time
from fitflow.organizations.models import Organization
from fitflow.organizations.permissions import Action, Actor, require

PURPOSE = "checkin"
QrFormat = Literal["png", "svg"]


def token_for(key: str, booking_id: uuid.UUID) -> str:
    return signing.sign(key, PURPOSE, booking_id.hex)


async def qr_code(
    session: AsyncSession,
    actor: Actor,
    organization: Organization,
    booking_id: uuid.UUID,
    *,
    key: str,
    kind: QrFormat,
) -> bytes:
    """The member's own booking's check-in token as a QR code."""
    booking = await bookings.own_booking(session, actor, organization, booking_id)
    code = segno.make(token_for(key, booking.id), error="m")
    out = io.BytesIO()
    code.save(out, kind=kind, scale=8, border=2)
    return out.getvalue()


async def check_in(
    session: AsyncSession,
    actor: Actor,
    organization: Organization,
    body: CheckinCreate,
    *,
    key: str,
) -> tuple[CheckinRead, bool]:
    """Check a booking in from a scanned token or by hand (receptionist+, or a kiosk
    signed in as staff); the check-in and whether this call made it (a replay answers
    the first one)."""
    require(actor, Action.check_in)
    booking_id = body.booking_id or _booking_of(key, body.token or "")
    done = await attendance.check_in(session, organization, booking_id, time.now())
    return CheckinRead.of(done.booking), done.first


def _booking_of(key: str, token: str) -> uuid.UUID:
    value = signing.unsign(key, PURPOSE, token.strip())
    if value is None:
        raise InvalidCheckinToken()
    try:
        return uuid.UUID(hex=value)
    except ValueError as exc:
        raise InvalidCheckinToken() from exc
