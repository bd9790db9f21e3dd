"""/api/v1/orgs/{org}/orders: desk sales, their refunds and voids."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query, status

from fitflow.auth.deps import Session
from fitflow.kit.errors import PermissionDenied, raises
from fitflow.kit.pagination import Page, PageParams, page_params
from fitflow.kit.unit_of_work import api_router
from fitflow.members.errors import MemberNotFound
from fitflow.organizations.deps import Caller
from fitflow.payments import refunds, service
from fitflow.payments.errors import (
    IntroOfferUsed,
    OrderInUse,
    OrderNotFound,
    OrderNotPaid,
    OrderNotVoidable,
    OrderVoided,
    PlanNotOnSale,
    RefundTooLarge,
)
from fitflow.payments.schemas import DeskOrderCreate, OrderRead, RefundCreate, VoidRequest
from fitflow.plans.errors import PlanNotFound

router = api_router("orders")


@router.post("/orgs/{org}/orders", status_code=status.HTTP_201_CREATED)
@raises(PermissionDenied, MemberNotFound, PlanNotFound, PlanNotOnSale, IntroOfferUsed)
async def sell_at_desk(body: DeskOrderCreate, caller: Caller, session: Session) -> OrderRead:
    """Record a plan paid at the desk (cash or card terminal) and grant what it sells, in
    one step (receptionist+)."""
    return await service.sell_at_desk(session, caller.actor, caller.organization, body)


@router.get("/orgs/{org}/orders")
@raises(PermissionDenied)
async def list_orders(
    caller: Caller,
    session: Session,
    paging: Annotated[PageParams, Depends(page_params)],
    member_id: Annotated[uuid.UUID | None, Query()] = None,
) -> Page[OrderRead]:
    """The studio's orders, newest first, optionally one member's (receptionist+)."""
    return await service.orders(session, caller.actor, member_id=member_id, params=paging)


@router.get("/orgs/{org}/orders/{order_id}")
@raises(PermissionDenied, OrderNotFound)
async def get_order(order_id: uuid.UUID, caller: Caller, session: Session) -> OrderRead:
    """One order with its refunds (receptionist+)."""
    return await service.order(session, caller.actor, order_id)


@router.post("/orgs/{org}/orders/{order_id}/refund")
@raises(PermissionDenied, OrderNotFound, OrderVoided, OrderNotPaid, RefundTooLarge)
async def refund_order(
    order_id: uuid.UUID, body: RefundCreate, caller: Caller, session: Session
) -> OrderRead:
    """Refund part or all of an order; the same share of what it granted is taken back
    (admin+)."""
    return await refunds.refund_order(session, caller.actor, caller.organization, order_id, body)


@router.post("/orgs/{org}/orders/{order_id}/void")
@raises(PermissionDenied, OrderNotFound, OrderNotVoidable, OrderInUse)
async def void_order(
    order_id: uuid.UUID, body: VoidRequest, caller: Caller, session: Session
) -> OrderRead:
    """Undo a sale made by mistake whose grant is unused; everything it granted is taken
    back and the money recorded as returned (admin+)."""
    return await refunds.void_order(session, caller.actor, caller.organization, order_id, body)
