"""/api/v1/orgs/{org}/.../subscriptions: recurring payments, read and moved to another
plan."""

from __future__ import annotations

import uuid

from fitflow.auth.deps import Session
from fitflow.kit.errors import raises
from fitflow.kit.pagination import Page
from fitflow.kit.unit_of_work import api_router
from fitflow.members.errors import MemberNotFound
from fitflow.organizations.deps import Caller
from fitflow.payments import subscription_changes
from fitflow.payments.errors import PlanChangeNotAllowed, PlanNotOnSale, SubscriptionNotFound
from fitflow.payments.schemas import PlanChange, SubscriptionRead
from fitflow.plans.errors import PlanNotFound

router = api_router("subscriptions")


@router.get("/orgs/{org}/me/subscriptions")
@raises(MemberNotFound)
async def my_subscriptions(caller: Caller, session: Session) -> Page[SubscriptionRead]:
    """Your subscriptions in this studio, newest first."""
    return await subscription_changes.subscriptions_of(session, caller.actor, member_id=None)


@router.get("/orgs/{org}/members/{member_id}/subscriptions")
@raises(MemberNotFound)
async def member_subscriptions(
    member_id: uuid.UUID, caller: Caller, session: Session
) -> Page[SubscriptionRead]:
    """A member's subscriptions (staff, or the member themself)."""
    return await subscription_changes.subscriptions_of(session, caller.actor, member_id=member_id)


@router.post("/orgs/{org}/subscriptions/{subscription_id}/change-plan")
@raises(SubscriptionNotFound, PlanNotFound, PlanNotOnSale, PlanChangeNotAllowed)
async def change_plan(
    subscription_id: uuid.UUID, body: PlanChange, caller: Caller, session: Session
) -> SubscriptionRead:
    """Move a subscription to another plan billed over the same period; Stripe prorates
    the difference into the next invoice (staff, or the subscription's member)."""
    return await subscription_changes.change_plan(
        session, caller.actor, caller.organization, subscription_id, body
    )
