"""/api/v1/orgs/{org}/me/memberships, a member's memberships, freeze, unfreeze, cancel."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from fitflow.auth.deps import Session
from fitflow.kit.errors import PermissionDenied, raises
from fitflow.kit.pagination import Page, PageParams, page_params
from fitflow.kit.unit_of_work import api_router
from fitflow.members.errors import MemberNotFound
from fitflow.memberships import service
from fitflow.memberships.errors import (
    AlreadyFrozen,
    CancellationScheduled,
    ClassesBookedInFreeze,
    FreezeNotAllowed,
    MembershipNotCurrent,
    MembershipNotFound,
    NotFrozen,
)
from fitflow.memberships.schemas import CancelRequest, FreezeCreate, MembershipRead
from fitflow.organizations.deps import Caller

router = api_router("memberships")
Paging = Annotated[PageParams, Depends(page_params)]
CHANGE_ERRORS = (MembershipNotFound, PermissionDenied, MembershipNotCurrent)


@router.get("/orgs/{org}/me/memberships")
@raises(MemberNotFound)
async def my_memberships(caller: Caller, session: Session, paging: Paging) -> Page[MembershipRead]:
    """Your memberships and passes in this studio, newest first, with their state now."""
    return await service.memberships_of(
        session, caller.actor, caller.organization, member_id=None, params=paging
    )


@router.get("/orgs/{org}/members/{member_id}/memberships")
@raises(MemberNotFound)
async def member_memberships(
    member_id: uuid.UUID, caller: Caller, session: Session, paging: Paging
) -> Page[MembershipRead]:
    """A member's memberships (staff, or the member themself)."""
    return await service.memberships_of(
        session, caller.actor, caller.organization, member_id=member_id, params=paging
    )


@router.post("/orgs/{org}/memberships/{membership_id}/freeze")
@raises(
    *CHANGE_ERRORS, AlreadyFrozen, CancellationScheduled, FreezeNotAllowed, ClassesBookedInFreeze
)
async def freeze(
    membership_id: uuid.UUID, body: FreezeCreate, caller: Caller, session: Session
) -> MembershipRead:
    """Freeze for some local days; the end moves back by as many (staff, or the member
    where the studio's policy allows)."""
    return await service.freeze(session, caller.actor, caller.organization, membership_id, body)


@router.post("/orgs/{org}/memberships/{membership_id}/unfreeze")
@raises(MembershipNotFound, PermissionDenied, NotFrozen)
async def unfreeze(membership_id: uuid.UUID, caller: Caller, session: Session) -> MembershipRead:
    """End a running freeze today, or call off a planned one; unused days come back off
    the end (staff, or the member where the studio's policy allows)."""
    return await service.unfreeze(session, caller.actor, caller.organization, membership_id)


@router.post("/orgs/{org}/memberships/{membership_id}/cancel")
@raises(*CHANGE_ERRORS)
async def cancel(
    membership_id: uuid.UUID, body: CancelRequest, caller: Caller, session: Session
) -> MembershipRead:
    """Cancel now or at the end of the paid period (staff, or the member where the
    studio's policy allows)."""
    return await service.cancel(
        session, caller.actor, caller.organization, membership_id, at_period_end=body.at_period_end
    )
