"""Subscriptions as members and staff see and change them: reading them, and moving one
to another plan, which the provider prorates."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.audit import service as audit
from fitflow.kit import jobs
from fitflow.kit.pagination import Page
from fitflow.members import service as members
from fitflow.memberships import periods as memberships
from fitflow.organizations.models import Organization
from fitflow.organizations.permissions import Action, Actor, allowed
from fitflow.payments import repository
from fitflow.payments.errors import PlanChangeNotAllowed, SubscriptionNotFound
from fitflow.payments.models import Subscription
from fitflow.payments.schemas import PlanChange, SubscriptionRead
from fitflow.payments.service import plan_on_sale
from fitflow.payments.subscription_tasks import sync_subscription
from fitflow.plans import service as plans
from fitflow.plans.models import Plan


async def subscriptions_of(
    session: AsyncSession, actor: Actor, *, member_id: uuid.UUID | None
) -> Page[SubscriptionRead]:
    """A member's subscriptions, newest first: the caller's own when `member_id` is None;
    staff may read anyone's, a member only their own (another's answers 404)."""
    target = await members.readable_member_id(session, actor, member_id)
    found = await repository.subscriptions_of_member(session, actor.organization_id, target)
    return Page(items=[SubscriptionRead.model_validate(s) for s in found], next_cursor=None)


async def change_plan(
    session: AsyncSession,
    actor: Actor,
    organization: Organization,
    subscription_id: uuid.UUID,
    body: PlanChange,
) -> SubscriptionRead:
    """Move an active subscription to another unlimited plan billed over the same period
    (staff, or its member). The current period takes the new plan's terms at once; the
    provider prorates the price difference into the next invoice, through a job. Locks
    the subscription, then its latest period."""
    subscription = await repository.subscription_in(session, actor.organization_id, subscription_id)
    if subscription is None or not await _may_change(session, actor, subscription):
        raise SubscriptionNotFound()
    latest = await memberships.latest_of_subscription(session, organization.id, subscription.id)
    ending = subscription.cancel_at_period_end or (
        latest is not None and latest.cancel_requested_at is not None
    )
    if subscription.status != "active" or latest is None or ending:
        raise PlanChangeNotAllowed("Only an active subscription that is not ending changes plan.")
    current = await plans.plan_by_id(session, organization.id, subscription.plan_id)
    plan = await plan_on_sale(session, organization.id, body.plan_id)
    _check_move(subscription, current, plan)
    await memberships.switch_plan(session, organization, latest, plan)
    before = (str(subscription.plan_id), subscription.amount_minor)
    subscription.plan_id, subscription.amount_minor = plan.id, plan.price_minor
    await jobs.defer(session, sync_subscription, subscription_id=str(subscription.id))
    await audit.record(
        session,
        "subscription.plan_changed",
        actor_user_id=actor.user_id,
        organization_id=organization.id,
        subject_type="subscription",
        subject_id=subscription.id,
        data={
            "from_plan_id": before[0],
            "from_amount_minor": before[1],
            "to_plan_id": str(plan.id),
            "to_amount_minor": plan.price_minor,
        },
    )
    return SubscriptionRead.model_validate(subscription)


def _check_move(subscription: Subscription, current: Plan, plan: Plan) -> None:
    same_terms = (
        plan.kind == "unlimited"
        and plan.billing_period == current.billing_period
        and plan.currency == subscription.currency
    )
    if plan.id == current.id or not same_terms:
        raise PlanChangeNotAllowed(
            "A subscription moves to another unlimited plan billed over the same period and"
            " in the same currency; for anything else, cancel it and subscribe again.",
            data={"plan_id": str(plan.id)},
        )


async def _may_change(session: AsyncSession, actor: Actor, subscription: Subscription) -> bool:
    if allowed(actor, Action.manage_memberships):
        return True
    return await members.is_own(session, actor, subscription.member_id)
