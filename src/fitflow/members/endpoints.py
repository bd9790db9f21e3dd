"""/api/v1/orgs/{org}/members."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query

from fitflow.auth.deps import Session
from fitflow.kit.errors import PermissionDenied, raises
from fitflow.kit.pagination import Page, PageParams, page_params
from fitflow.kit.unit_of_work import api_router
from fitflow.members import service
from fitflow.members.errors import MemberNotFound
from fitflow.members.schemas import MemberRead, MemberStaffRead, MemberStatus, MemberUpdate
from fitflow.organizations.deps import Caller

router = api_router("members")
Paging = Annotated[PageParams, Depends(page_params)]


@router.get("/orgs/{org}/members")
@raises(PermissionDenied)
async def list_members(
    caller: Caller,
    session: Session,
    paging: Paging,
    q: Annotated[str | None, Query(max_length=200, description="Part of a name or email")] = None,
    status: MemberStatus | None = None,
) -> Page[MemberStaffRead]:
    """Search the studio's members (staff)."""
    return await service.list_members(session, caller.actor, params=paging, search=q, status=status)


@router.get("/orgs/{org}/members/{member_id}")
@raises(MemberNotFound)
async def get_member(
    member_id: uuid.UUID, caller: Caller, session: Session
) -> MemberStaffRead | MemberRead:
    """One member's profile: staff see any member, a member sees themself."""
    return await service.get_member(session, caller.actor, member_id)


@router.patch("/orgs/{org}/members/{member_id}")
@raises(PermissionDenied, MemberNotFound)
async def update_member(
    member_id: uuid.UUID, body: MemberUpdate, caller: Caller, session: Session
) -> MemberStaffRead:
    """Change a member's status, contact details or staff notes (staff)."""
    return await service.update_member(session, caller.actor, member_id, body)
