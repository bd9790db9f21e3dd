"""/api/v1/orgs/{org}/sessions, holds, bookings and waitlists."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query, Request, Response, status
from pydantic import AwareDatetime

from fitflow.auth.deps import Session
from fitflow.bookings import cancellation, holds, sessions, waitlist
from fitflow.bookings.errors import (
    NOT_BOOKABLE,
    AlreadyBooked,
    AlreadyWaiting,
    BookingBlocked,
    BookingNotCancellable,
    BookingNotFound,
    CapacityBelowTaken,
    ClassSessionFull,
    ClassSessionNotFound,
    HoldExpired,
    HoldNotActive,
    HoldNotFound,
    NotOnWaitlist,
    PaymentRequiredForHold,
    SessionNotEditable,
    TrainerBusy,
    UnknownTrainer,
    WaitlistClosed,
    WaitlistFull,
    WaitlistNotNeeded,
)
from fitflow.bookings.repository import SessionFilter
from fitflow.bookings.schemas import (
    Attendees,
    BookingRead,
    BookingStatus,
    CancelRequest,
    HoldRead,
    SessionCreate,
    SessionRead,
    SessionUpdate,
    StaffBookingCreate,
    WaitlistEntryRead,
)
from fitflow.classes.errors import UnknownClassTypes, UnknownLocation
from fitflow.kit import time
from fitflow.kit.errors import PermissionDenied, RateLimited, raises
from fitflow.kit.pagination import Page, PageParams, page_params
from fitflow.kit.unit_of_work import api_router
from fitflow.members.errors import MemberNotFound
from fitflow.organizations.deps import Caller, MaybeCaller

router = api_router("booking")
Paging = Annotated[PageParams, Depends(page_params)]
BOOKING_REFUSALS = (*NOT_BOOKABLE.values(), ClassSessionFull, AlreadyBooked, ClassSessionNotFound)


@raises(RateLimited)
async def hold_rate(request: Request, caller: Caller) -> None:
    """At most `rate_limits.holds` new holds per member (all API processes together)."""
    limit: str = request.app.state.settings.rate_limits.holds
    await request.app.state.limiter.hit(
        limit, "holds", str(caller.organization.id), str(caller.actor.user_id)
    )


@router.get("/orgs/{org}/sessions", response_model=Page[SessionRead])
async def list_sessions(
    *,
    request: Request,
    caller: MaybeCaller,
    session: Session,
    paging: Paging,
    starts_from: Annotated[AwareDatetime | None, Query(alias="from")] = None,
    starts_before: Annotated[AwareDatetime | None, Query(alias="to")] = None,
    trainer_id: uuid.UUID | None = None,
    class_type_id: uuid.UUID | None = None,
    available_only: bool = False,
) -> Response:
    """Sessions in start order (from now unless `from` is given), with spots left and the
    waitlist length (no token needed; staff who schedule also see drafts)."""
    where = SessionFilter(
        starts_from=starts_from or time.now(),
        from_now=starts_from is None,
        starts_before=starts_before,
        trainer_id=trainer_id,
        class_type_id=class_type_id,
        available_only=available_only,
    )
    # Serialised straight from the rows, not through a model per session (CONTRIBUTING).
    cache = request.app.state.schedule_pages
    body = await sessions.sessions_json(
        session, caller.actor, caller.organization, where, paging, cache=cache
    )
    return Response(body, media_type="application/json")


@router.post("/orgs/{org}/sessions", status_code=status.HTTP_201_CREATED)
@raises(PermissionDenied, UnknownClassTypes, UnknownLocation, UnknownTrainer, TrainerBusy)
async def create_session(body: SessionCreate, caller: Caller, session: Session) -> SessionRead:
    """Schedule one session (trainer+)."""
    return await sessions.schedule(session, caller.actor, caller.organization, body)


@router.get("/orgs/{org}/sessions/{session_id}")
@raises(ClassSessionNotFound)
async def get_session(session_id: uuid.UUID, caller: MaybeCaller, session: Session) -> SessionRead:
    """One session with its spots now (no token needed)."""
    return await sessions.one(session, caller.actor, caller.organization, session_id)


@router.patch("/orgs/{org}/sessions/{session_id}")
@raises(
    ClassSessionNotFound,
    PermissionDenied,
    SessionNotEditable,
    CapacityBelowTaken,
    UnknownTrainer,
    TrainerBusy,
)
async def update_session(
    session_id: uuid.UUID, body: SessionUpdate, caller: Caller, session: Session
) -> SessionRead:
    """Change capacity, trainer or status; cancelling refunds and tells everyone (the
    session's trainer, or admin+)."""
    return await sessions.update(session, caller.actor, caller.organization, session_id, body)


@router.get("/orgs/{org}/sessions/{session_id}/attendees")
@raises(ClassSessionNotFound, PermissionDenied)
async def session_attendees(session_id: uuid.UUID, caller: Caller, session: Session) -> Attendees:
    """Bookings, active holds and the waitlist (trainer+)."""
    return await sessions.attendees(session, caller.actor, caller.organization, session_id)


@router.post(
    "/orgs/{org}/sessions/{session_id}/holds",
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(hold_rate)],
)
@raises(*BOOKING_REFUSALS, BookingBlocked, MemberNotFound)
async def create_hold(session_id: uuid.UUID, caller: Caller, session: Session) -> HoldRead:
    """Reserve a spot for the studio's hold time; full -> 409 `class_session_full`."""
    return await holds.hold(
        session, caller.actor, caller.organization, session_id, member_id=caller.member_id
    )


@router.post("/orgs/{org}/holds/{hold_id}/confirm", status_code=status.HTTP_201_CREATED)
@raises(HoldNotFound, HoldExpired, HoldNotActive, PaymentRequiredForHold, MemberNotFound)
@raises(*NOT_BOOKABLE.values())
async def confirm_hold(hold_id: uuid.UUID, caller: Caller, session: Session) -> BookingRead:
    """Pay with the best entitlement and book; nothing pays -> 402 with the hold kept."""
    return await holds.confirm(session, caller.actor, caller.organization, hold_id)


@router.delete("/orgs/{org}/holds/{hold_id}", status_code=status.HTTP_204_NO_CONTENT)
@raises(HoldNotFound, HoldExpired, HoldNotActive, MemberNotFound)
async def release_hold(hold_id: uuid.UUID, caller: Caller, session: Session) -> None:
    """Give the held spot back (to the waitlist first)."""
    await holds.release(session, caller.actor, caller.organization, hold_id)


@router.post(
    "/orgs/{org}/sessions/{session_id}/bookings",
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(hold_rate)],
)
@raises(*BOOKING_REFUSALS, BookingBlocked, PaymentRequiredForHold, MemberNotFound)
async def book_session(session_id: uuid.UUID, caller: Caller, session: Session) -> BookingRead:
    """Hold and confirm in one step; nothing pays -> 402 with the hold kept."""
    return await holds.book(
        session, caller.actor, caller.organization, session_id, member_id=caller.member_id
    )


@router.post("/orgs/{org}/bookings", status_code=status.HTTP_201_CREATED)
@raises(*BOOKING_REFUSALS, PermissionDenied, PaymentRequiredForHold, MemberNotFound)
async def book_for_member(
    body: StaffBookingCreate, caller: Caller, session: Session
) -> BookingRead:
    """Book a member in (receptionist+)."""
    return await holds.book_for(
        session,
        caller.actor,
        caller.organization,
        member_id=body.member_id,
        session_id=body.session_id,
    )


@router.get("/orgs/{org}/me/bookings")
@raises(MemberNotFound)
async def my_bookings(
    caller: Caller,
    session: Session,
    paging: Paging,
    booking_status: Annotated[BookingStatus | None, Query(alias="status")] = None,
    past: bool = False,
) -> Page[BookingRead]:
    """Your bookings: upcoming ones soonest first, or with `past=true` the latest first;
    `status` filters."""
    return await holds.my_bookings(
        session,
        caller.actor,
        caller.organization,
        status=booking_status,
        past=past,
        params=paging,
    )


@router.post("/orgs/{org}/bookings/{booking_id}/cancel")
@raises(BookingNotFound, BookingNotCancellable, PermissionDenied, *NOT_BOOKABLE.values())
async def cancel_booking(
    booking_id: uuid.UUID, caller: Caller, session: Session, body: CancelRequest | None = None
) -> BookingRead:
    """Cancel under the studio's tiers; the answer states what was refunded and kept
    (the member, or staff, who may waive the tier with a reason)."""
    return await cancellation.cancel(
        session,
        caller.actor,
        caller.organization,
        booking_id,
        waive_reason=body.waive_reason if body else None,
    )


@router.post("/orgs/{org}/sessions/{session_id}/waitlist", status_code=status.HTTP_201_CREATED)
@raises(
    ClassSessionNotFound,
    AlreadyBooked,
    AlreadyWaiting,
    WaitlistNotNeeded,
    WaitlistFull,
    WaitlistClosed,
    MemberNotFound,
    BookingBlocked,
    *NOT_BOOKABLE.values(),
)
async def join_waitlist(
    session_id: uuid.UUID, caller: Caller, session: Session
) -> WaitlistEntryRead:
    """Wait for a spot in a full session; the answer gives your position."""
    return await waitlist.join(session, caller.actor, caller.organization, session_id)


@router.delete("/orgs/{org}/sessions/{session_id}/waitlist", status_code=204)
@raises(ClassSessionNotFound, NotOnWaitlist, MemberNotFound)
async def leave_waitlist(session_id: uuid.UUID, caller: Caller, session: Session) -> None:
    """Stop waiting; an offer you hold goes to the next in line."""
    await waitlist.leave(session, caller.actor, caller.organization, session_id)


@router.get("/orgs/{org}/sessions/{session_id}/waitlist")
@raises(ClassSessionNotFound, MemberNotFound)
async def session_waitlist(
    session_id: uuid.UUID, caller: Caller, session: Session
) -> list[WaitlistEntryRead]:
    """Staff see the whole waitlist in order; a member sees their own place."""
    return await waitlist.entries(session, caller.actor, caller.organization, session_id)
