"""What FitFlow's side of a subscription asks of its provider, read from its latest
period."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.kit import time
from fitflow.memberships import periods as memberships
from fitflow.memberships.state import coverage_end
from fitflow.organizations import service as organizations
from fitflow.payments import repository
from fitflow.payments.gateway import RecurringPrice, SubscriptionTerms
from fitflow.payments.models import RENEWING
from fitflow.plans import service as plans
from fitflow.plans.validity import shift_by_days

CHARGE_AHEAD_DAYS = 1
"""The provider charges a period this many local days before the paid one ends, so the
next period is paid for before it starts and coverage never has a gap."""


async def wanted_terms(
    session: AsyncSession, subscription_id: uuid.UUID
) -> tuple[str, uuid.UUID, SubscriptionTerms] | None:
    """The provider, the studio and the terms of a live subscription: cancelled by its
    member before its latest period's end (cancel now) or at it, the price, and when the
    next period is charged (a day before the period ends, which a freeze moves; a refund
    that cut the period short changes none of this). Locks that period."""
    subscription = await repository.subscription_by_id(session, subscription_id)
    if subscription is None or subscription.status not in RENEWING:
        return None
    latest = await memberships.latest_of_subscription(
        session, subscription.organization_id, subscription.id
    )
    if latest is None:
        return None
    organization = (await organizations.by_ids(session, [subscription.organization_id]))[
        subscription.organization_id
    ]
    plan = await plans.plan_by_id(session, subscription.organization_id, subscription.plan_id)
    requested = latest.cancel_requested_at is not None
    cancel_now = requested and coverage_end(latest) < latest.valid_until
    ending = requested or subscription.cancel_at_period_end
    charge_at = shift_by_days(
        latest.valid_until, timezone=organization.timezone, days=-CHARGE_AHEAD_DAYS
    )
    keeps_schedule = ending or subscription.grace_until is not None or charge_at <= time.now()
    terms = SubscriptionTerms(
        ref=subscription.provider_ref,
        cancel_now=cancel_now,
        cancel_at_period_end=ending and not cancel_now,
        next_charge_at=None if keeps_schedule else charge_at,
        price=RecurringPrice(
            amount_minor=subscription.amount_minor,
            currency=subscription.currency,
            billing_period=plan.billing_period or "month",
            name=plan.name,
        ),
    )
    return subscription.provider, subscription.organization_id, terms
