"""/api/v1/orgs/{org}/bookings/{id}/qr and /checkins."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Request, Response, status

from fitflow.auth.deps import Session
from fitflow.bookings.errors import BookingNotFound, CheckinNotOpen, NotCheckable
from fitflow.checkins import service
from fitflow.checkins.errors import InvalidCheckinToken
from fitflow.checkins.schemas import CheckinCreate, CheckinRead
from fitflow.kit.errors import PermissionDenied, raises
from fitflow.kit.unit_of_work import api_router
from fitflow.members.errors import MemberNotFound
from fitflow.organizations.deps import Caller

router = api_router("check-in")
MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml"}


def _key(request: Request) -> str:
    key: str = request.app.state.auth.signing_key
    return key


@router.get(
    "/orgs/{org}/bookings/{booking_id}/qr",
    response_class=Response,
    responses={200: {"content": {"image/png": {}, "image/svg+xml": {}}}},
)
@raises(BookingNotFound, MemberNotFound)
async def booking_qr(
    booking_id: uuid.UUID,
    request: Request,
    caller: Caller,
    session: Session,
    kind: Annotated[service.QrFormat, Query(alias="format")] = "png",
) -> Response:
    """Your booking's check-in code as a QR image (PNG, or SVG with `format=svg`)."""
    image = await service.qr_code(
        session, caller.actor, caller.organization, booking_id, key=_key(request), kind=kind
    )
    return Response(image, media_type=MEDIA_TYPES[kind], headers={"Cache-Control": "private"})


@router.post("/orgs/{org}/checkins", status_code=status.HTTP_201_CREATED)
@raises(PermissionDenied, BookingNotFound, InvalidCheckinToken, NotCheckable, CheckinNotOpen)
async def check_in(
    body: CheckinCreate, request: Request, response: Response, caller: Caller, session: Session
) -> CheckinRead:
    """Check in from a scanned token or by booking id (receptionist+ or a kiosk signed in
    as staff); `late` after the start; a replay answers 200 with the first check-in."""
    done, first = await service.check_in(
        session, caller.actor, caller.organization, body, key=_key(request)
    )
    if not first:
        response.status_code = status.HTTP_200_OK
    return done
