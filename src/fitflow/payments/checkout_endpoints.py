"""/api/v1/orgs/{org}/plans/{id}/checkout: a member pays for a plan online."""

from __future__ import annotations

import uuid

from fastapi import status

from fitflow.auth.deps import Session
from fitflow.kit.errors import raises
from fitflow.kit.unit_of_work import api_router
from fitflow.members.errors import MemberNotFound
from fitflow.organizations.deps import Caller
from fitflow.payments import checkout
from fitflow.payments.errors import (
    AlreadySubscribed,
    IntroOfferUsed,
    OnlinePaymentsUnavailable,
    PaymentProviderError,
    PlanNotOnSale,
)
from fitflow.payments.schemas import CheckoutCreate, CheckoutRead
from fitflow.plans.errors import PlanNotFound

router = api_router("orders")


@router.post("/orgs/{org}/plans/{plan_id}/checkout", status_code=status.HTTP_201_CREATED)
@raises(
    MemberNotFound,
    PlanNotFound,
    PlanNotOnSale,
    IntroOfferUsed,
    AlreadySubscribed,
    OnlinePaymentsUnavailable,
    PaymentProviderError,
)
async def start_checkout(
    plan_id: uuid.UUID, body: CheckoutCreate, caller: Caller, session: Session
) -> CheckoutRead:
    """Open Stripe's payment page for a plan (a member, for themselves); a plan billed
    each period starts a subscription. The order is unpaid until Stripe reports the
    payment; an open checkout of the same plan is returned again rather than a second
    one."""
    return await checkout.start_plan_checkout(
        session, caller.actor, caller.organization, plan_id, body
    )
