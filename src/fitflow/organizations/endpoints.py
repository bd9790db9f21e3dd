"""/api/v1/orgs: studios, their policy and staff."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Response, status

from fitflow.auth.deps import CurrentPrincipal, Session
from fitflow.kit.errors import PermissionDenied, raises
from fitflow.kit.pagination import Page, PageParams, page_params
from fitflow.kit.unit_of_work import api_router
from fitflow.members import service as members
from fitflow.members.errors import AlreadyMember
from fitflow.members.schemas import MemberRead
from fitflow.organizations import service
from fitflow.organizations.deps import Caller, PathOrganization
from fitflow.organizations.errors import (
    AlreadyStaff,
    InvalidPolicy,
    LastOwner,
    RoleNotAssignable,
    SlugTaken,
    StaffNotFound,
    UnknownUser,
)
from fitflow.organizations.permissions import Role
from fitflow.organizations.schemas import (
    OrganizationCreate,
    OrganizationRead,
    OrganizationUpdate,
    StaffCreate,
    StaffRead,
    StaffUpdate,
)

router = api_router("studios")
Paging = Annotated[PageParams, Depends(page_params)]


@router.post("/orgs", status_code=status.HTTP_201_CREATED)
@raises(SlugTaken)
async def create_organization(
    body: OrganizationCreate, principal: CurrentPrincipal, session: Session
) -> OrganizationRead:
    """Open a studio; the caller becomes its owner."""
    return await service.create_organization(session, principal.user, body)


@router.get("/orgs/{org}")
async def get_organization(organization: PathOrganization) -> OrganizationRead:
    """The studio's public profile and booking policy."""
    return OrganizationRead.model_validate(organization)


@router.patch("/orgs/{org}")
@raises(PermissionDenied, InvalidPolicy)
async def update_organization(
    body: OrganizationUpdate, caller: Caller, session: Session
) -> OrganizationRead:
    """Change the profile or the policy (policy fields not given stay as they are)."""
    return await service.update_organization(session, caller.actor, caller.organization, body)


@router.post("/orgs/{org}/join", status_code=status.HTTP_201_CREATED, tags=["members"])
@raises(AlreadyMember)
async def join_organization(
    organization: PathOrganization, principal: CurrentPrincipal, session: Session
) -> MemberRead:
    """Become a member (client) of the studio."""
    return await members.join(session, principal.user, organization.id)


@router.get("/orgs/{org}/staff")
@raises(PermissionDenied)
async def list_staff(caller: Caller, session: Session, paging: Paging) -> Page[StaffRead]:
    """The studio's staff and their roles."""
    return await service.list_staff(session, caller.actor, paging)


@router.post("/orgs/{org}/staff", status_code=status.HTTP_201_CREATED)
@raises(PermissionDenied, RoleNotAssignable, UnknownUser, AlreadyStaff)
async def add_staff(body: StaffCreate, caller: Caller, session: Session) -> StaffRead:
    """Give an existing account a staff role; only an owner grants admin."""
    return await service.add_staff(session, caller.actor, email=body.email, role=Role(body.role))


@router.patch("/orgs/{org}/staff/{staff_id}")
@raises(PermissionDenied, RoleNotAssignable, StaffNotFound, LastOwner)
async def change_staff_role(
    staff_id: uuid.UUID, body: StaffUpdate, caller: Caller, session: Session
) -> StaffRead:
    """Change a staff member's role; the last owner cannot be demoted."""
    return await service.change_staff_role(session, caller.actor, staff_id, Role(body.role))


@router.delete("/orgs/{org}/staff/{staff_id}", status_code=status.HTTP_204_NO_CONTENT)
@raises(PermissionDenied, RoleNotAssignable, StaffNotFound, LastOwner)
async def remove_staff(staff_id: uuid.UUID, caller: Caller, session: Session) -> Response:
    """Take a staff role away; the last owner cannot be removed."""
    await service.remove_staff(session, caller.actor, staff_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
