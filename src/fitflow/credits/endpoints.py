"""/api/v1/orgs/{org}/me/credits and staff credit adjustments."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, status

from fitflow.auth.deps import Session
from fitflow.credits import accounts
from fitflow.credits.errors import InsufficientCredits, InvalidAdjustment
from fitflow.credits.schemas import AdjustmentCreate, CreditStatement, EntryRead
from fitflow.kit.errors import PermissionDenied, raises
from fitflow.kit.pagination import PageParams, page_params
from fitflow.kit.unit_of_work import api_router
from fitflow.members.errors import MemberNotFound
from fitflow.organizations.deps import Caller

router = api_router("credits")


@router.get("/orgs/{org}/me/credits")
@raises(MemberNotFound)
async def my_credits(
    caller: Caller, session: Session, paging: Annotated[PageParams, Depends(page_params)]
) -> CreditStatement:
    """Your balance in this studio, your lots with their expiry and your ledger entries."""
    return await accounts.statement(session, caller.actor, params=paging)


@router.post(
    "/orgs/{org}/members/{member_id}/credit-adjustments", status_code=status.HTTP_201_CREATED
)
@raises(PermissionDenied, MemberNotFound, InsufficientCredits, InvalidAdjustment)
async def adjust_credits(
    member_id: uuid.UUID, body: AdjustmentCreate, caller: Caller, session: Session
) -> list[EntryRead]:
    """Add credits to a member (a new lot) or take some back, with a reason (staff)."""
    return await accounts.adjust(
        session,
        caller.actor,
        member_id=member_id,
        units=body.units,
        reason=body.reason,
        expires_at=body.expires_at,
    )
