"""/api/v1/orgs/{org}/plans."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, status

from fitflow.auth.deps import Session
from fitflow.classes.errors import UnknownClassTypes
from fitflow.kit.errors import PermissionDenied, raises
from fitflow.kit.pagination import Page, PageParams, page_params
from fitflow.kit.unit_of_work import api_router
from fitflow.organizations.deps import Caller, PathOrganization
from fitflow.plans import service
from fitflow.plans.errors import PlanNotFound
from fitflow.plans.schemas import PlanCreate, PlanRead

router = api_router("plans")
Paging = Annotated[PageParams, Depends(page_params)]


@router.get("/orgs/{org}/plans")
async def list_plans(
    organization: PathOrganization,
    session: Session,
    paging: Paging,
) -> Page[PlanRead]:
    """The plans the studio sells now (no token needed)."""
    return await service.plans_on_sale(session, organization.id, params=paging)


@router.post("/orgs/{org}/plans", status_code=status.HTTP_201_CREATED)
@raises(PermissionDenied, UnknownClassTypes)
async def create_plan(body: PlanCreate, caller: Caller, session: Session) -> PlanRead:
    """Add a plan to the catalog, priced in the studio's currency (admin+)."""
    return await service.create_plan(session, caller.actor, caller.organization, body)


@router.post("/orgs/{org}/plans/{plan_id}/archive")
@raises(PermissionDenied, PlanNotFound)
async def archive_plan(plan_id: uuid.UUID, caller: Caller, session: Session) -> PlanRead:
    """Stop selling a plan; memberships and credits sold from it keep working (admin+)."""
    return await service.archive_plan(session, caller.actor, plan_id)
