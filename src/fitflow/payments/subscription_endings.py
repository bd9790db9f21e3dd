"""The provider's word on a subscription's state: whether it ends with its period, is
past due, or is gone. An update older than the newest news applied changes nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.kit import time
from fitflow.memberships import periods as memberships
from fitflow.memberships.models import Membership
from fitflow.memberships.state import coverage_end
from fitflow.organizations.models import Organization
from fitflow.payments import settlement, subscriptions
from fitflow.payments.gateway import Handled, SubscriptionSeen
from fitflow.payments.models import RENEWING, Order, Subscription
from fitflow.plans.validity import local_day


async def provider_changed(session: AsyncSession, first: Order, seen: SubscriptionSeen) -> Handled:
    """Apply the provider's state of the subscription `first` started (changed in its
    dashboard, or in answer to FitFlow)."""
    subscription = await subscriptions.owned(session, first, seen.ref)
    if subscription is None:
        return Handled("ignored", "no such subscription of this order")
    if subscription.provider_updated_at is not None and seen.at < subscription.provider_updated_at:
        return Handled("ignored", "an older state than the one applied")
    if seen.status == "canceled":
        return await ended(session, first, seen.ref)
    if seen.status == "past_due" and subscription.status == "active":
        return await subscriptions.renewal_failed(
            session, first, seen.ref, invoice_ref=None, at=seen.at
        )
    subscriptions.advance(subscription, seen.at)
    live = subscription.status in RENEWING
    if not live or seen.cancel_at_period_end == subscription.cancel_at_period_end:
        return Handled("ignored", "nothing changed")
    subscription.cancel_at_period_end = seen.cancel_at_period_end
    await _end_with_period(session, first, subscription)
    return Handled("applied")


async def _end_with_period(session: AsyncSession, first: Order, subscription: Subscription) -> None:
    """The latest period ends the membership (or, no longer, when the member changed
    their mind at the provider)."""
    organization = await settlement.organization_of(session, first)
    latest = await memberships.latest_of_subscription(
        session, subscription.organization_id, subscription.id
    )
    if latest is not None:
        await memberships.end_with_period(
            session, organization, latest, ends=subscription.cancel_at_period_end
        )
    await subscriptions.record(
        session,
        subscription,
        "subscription.updated",
        cancel_at_period_end=subscription.cancel_at_period_end,
    )


async def ended(session: AsyncSession, first: Order, subscription_ref: str) -> Handled:
    """The provider cancelled the subscription: no more renewals. A paid period runs to
    its end; a grace period ends now."""
    subscription = await subscriptions.owned(session, first, subscription_ref)
    if subscription is None or subscription.status == "cancelled":
        return Handled("ignored", "already cancelled, or not this order's")
    organization = await settlement.organization_of(session, first)
    latest = await memberships.latest_of_subscription(
        session, subscription.organization_id, subscription.id
    )
    if latest is not None:
        await _close_period(session, organization, subscription, latest)
    subscription.status, subscription.cancelled_at = "cancelled", time.now()
    subscription.paid_until = subscription.grace_until = None
    await subscriptions.record(session, subscription, "subscription.cancelled")
    body = "Your subscription has ended and will not renew."
    if latest is not None and coverage_end(latest) > time.now():
        last_day = local_day(
            coverage_end(latest) - timedelta(microseconds=1), organization.timezone
        )
        body += f" Your {latest.name} stays valid until the end of {last_day:%A %d %B %Y}."
    await settlement.tell_member(session, organization, first, "Subscription ended", body)
    return Handled("applied")


async def _close_period(
    session: AsyncSession,
    organization: Organization,
    subscription: Subscription,
    latest: Membership,
) -> None:
    """The last period ends where it was paid to (a grace period's days end now, not
    later) and no longer renews."""
    if subscription.paid_until is not None:
        await memberships.move_end(
            session, organization, latest, max(subscription.paid_until, time.now())
        )
    await memberships.end_with_period(session, organization, latest, ends=True)
