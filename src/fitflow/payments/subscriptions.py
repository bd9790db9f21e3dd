"""Subscriptions, as the provider's news reaches them: a paid checkout starts one, each
paid renewal invoice becomes an order and the next membership period, a failed renewal
opens a grace period, and the provider's cancellation ends it. Every use case starts from
the subscription's first order, locked, so events about one subscription queue; each
decides from the current state alone and is safe to run twice."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.audit import service as audit
from fitflow.invoices import service as invoices
from fitflow.kit import time
from fitflow.kit.money import format_minor
from fitflow.memberships import service as memberships
from fitflow.memberships.models import Membership
from fitflow.memberships.state import coverage_end
from fitflow.organizations.models import Organization
from fitflow.organizations.policy import policy_of
from fitflow.payments import repository, settlement
from fitflow.payments.gateway import (
    Handled,
    InvoiceSeen,
    PaymentSeen,
    RecurringPrice,
    SubscriptionSeen,
    SubscriptionTerms,
)
from fitflow.payments.models import Order, Subscription
from fitflow.payments.service import grant_order, insert_order
from fitflow.plans import service as plans
from fitflow.plans.validity import extend_by_days, local_day

LIVE = frozenset({"active", "past_due"})


async def link(
    session: AsyncSession, order: Order, subscription_ref: str, customer_ref: str | None
) -> Subscription:
    """The subscription the order's checkout started, written once and named on the
    order (the caller holds the order locked)."""
    found = await repository.subscription_by_ref(session, order.provider, subscription_ref)
    if found is None:
        found = Subscription(
            id=uuid.uuid4(),
            organization_id=order.organization_id,
            member_id=order.member_id,
            plan_id=order.plan_id,
            provider=order.provider,
            provider_ref=subscription_ref,
            customer_ref=customer_ref,
            amount_minor=order.amount_minor,
            currency=order.currency,
            status="active",
            cancel_at_period_end=False,
        )
        await repository.add(session, found)
    order.subscription_id = found.id
    return found


async def invoice_paid(session: AsyncSession, first: Order, invoice: InvoiceSeen) -> Handled:
    """The first invoice pays the order its checkout wrote; each later one renews."""
    subscription = await link(session, first, invoice.subscription_ref, invoice.customer_ref)
    if invoice.payment_ref is None:
        return Handled("ignored", "invoice paid without a payment (nothing was due)")
    if not invoice.renewal:
        payment = PaymentSeen(invoice.payment_ref, invoice.amount_minor, invoice.currency)
        return await settlement.settle(session, first, payment)
    return await _renew(session, first, subscription, invoice)


async def _renew(
    session: AsyncSession, first: Order, subscription: Subscription, invoice: InvoiceSeen
) -> Handled:
    """A renewal paid: a new order for what was charged, the next period from where the
    paid one ended (a grace period's days are part of it), an invoice and a receipt."""
    if await repository.by_invoice_ref(session, subscription.provider, invoice.ref) is not None:
        return Handled("ignored", "this renewal was recorded already")
    if subscription.status == "cancelled" or invoice.currency.upper() != first.currency:
        reason = "subscription cancelled" if subscription.status == "cancelled" else "currency"
        await settlement.return_whole(session, first, invoice.payment_ref or "", reason=reason)
        return Handled("refunded", f"renewal not accepted: {reason}")
    organization = await settlement.organization_of(session, first)
    plan = await plans.plan_by_id(session, first.organization_id, subscription.plan_id)
    starts_at = await _paid_end(session, organization, subscription)
    order = Order(
        id=uuid.uuid4(),
        organization_id=first.organization_id,
        member_id=subscription.member_id,
        plan_id=plan.id,
        plan_kind=plan.kind,
        description=f"{plan.name}: renewal",
        amount_minor=invoice.amount_minor,
        currency=first.currency,
        intro_offer=False,
        method="online",
        provider=subscription.provider,
        status="paid",
        paid_at=time.now(),
        payment_ref=invoice.payment_ref,
        invoice_ref=invoice.ref,
        subscription_id=subscription.id,
    )
    await insert_order(session, order)
    await grant_order(session, organization, order, plan, at=starts_at)
    subscription.status, subscription.suspended_at = "active", None
    await settlement.record(session, order, "order.paid", {"renewal_of": str(first.id)})
    await invoices.issue_for_order(session, order)  # last: it holds the counter lock
    await settlement.tell_member(session, organization, order, "Renewal paid", _renewed(order))
    return Handled("applied")


async def _paid_end(
    session: AsyncSession, organization: Organization, subscription: Subscription
) -> datetime:
    """Where the next period starts: the end of the last paid one, which a grace period
    had extended (it is moved back); now when no period was granted yet."""
    latest = await memberships.latest_of_subscription(
        session, subscription.organization_id, subscription.id
    )
    if latest is None:
        return time.now()
    if subscription.paid_until is not None:
        await memberships.move_end(session, organization, latest, subscription.paid_until)
        subscription.paid_until = subscription.grace_until = None
    return latest.valid_until


async def renewal_failed(session: AsyncSession, first: Order, subscription_ref: str) -> Handled:
    """A renewal charge failed: the member keeps the latest period for the studio's grace
    days while the provider retries, and is told. Later failures change nothing."""
    subscription = await repository.subscription_by_ref(session, first.provider, subscription_ref)
    if subscription is None or subscription.status != "active":
        return Handled("ignored", "no active subscription")
    organization = await settlement.organization_of(session, first)
    latest = await memberships.latest_of_subscription(
        session, subscription.organization_id, subscription.id
    )
    if latest is None:
        return Handled("ignored", "no period granted yet")
    days = policy_of(organization.policy).renewal_grace_days
    grace_until = extend_by_days(
        max(latest.valid_until, time.now()), timezone=organization.timezone, days=days
    )
    subscription.paid_until, subscription.grace_until = latest.valid_until, grace_until
    subscription.status = "past_due"
    await memberships.move_end(session, organization, latest, grace_until)
    await _record(session, subscription, "subscription.payment_failed", grace_until=grace_until)
    last_day = local_day(grace_until - timedelta(microseconds=1), organization.timezone)
    body = (
        f"We could not collect the renewal of your {latest.name}. You can keep booking "
        f"until the end of {last_day:%A %d %B %Y}; please update your payment details "
        "before then to keep your membership."
    )
    await settlement.tell_member(session, organization, first, "Renewal payment failed", body)
    return Handled("applied")


async def suspend(session: AsyncSession, subscription_id: uuid.UUID) -> bool:
    """The grace period ended unpaid: the subscription is suspended (the membership's
    extended end has passed, so it covers nothing more) and the member told."""
    subscription = await repository.subscription_by_id(session, subscription_id, lock=True)
    now = time.now()
    if subscription is None or subscription.status != "past_due":
        return False
    if subscription.grace_until is None or subscription.grace_until > now:
        return False
    first = await repository.first_order_of(session, subscription)
    subscription.status, subscription.suspended_at = "suspended", now
    await _record(session, subscription, "subscription.suspended")
    if first is not None:
        organization = await settlement.organization_of(session, first)
        body = (
            "Your membership is suspended: its renewal payment could not be collected. "
            "Update your payment details, or renew at the desk, to book classes again."
        )
        await settlement.tell_member(session, organization, first, "Membership suspended", body)
    return True


async def provider_changed(session: AsyncSession, first: Order, seen: SubscriptionSeen) -> Handled:
    """The provider's view of the subscription (created in its dashboard, or in answer to
    FitFlow): whether it ends with its period, and whether it is past due or gone. An
    update older than the newest applied changes nothing."""
    subscription = await repository.subscription_by_ref(session, first.provider, seen.ref)
    if subscription is None:
        return Handled("ignored", "no such subscription")
    if subscription.provider_updated_at is not None and seen.at < subscription.provider_updated_at:
        return Handled("ignored", "an older state than the one applied")
    subscription.provider_updated_at = seen.at
    if seen.status == "canceled":
        return await ended(session, first, seen.ref)
    if seen.status == "past_due" and subscription.status == "active":
        return await renewal_failed(session, first, seen.ref)
    if (
        subscription.status not in LIVE
        or seen.cancel_at_period_end == subscription.cancel_at_period_end
    ):
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
    await _record(
        session,
        subscription,
        "subscription.updated",
        cancel_at_period_end=subscription.cancel_at_period_end,
    )


async def ended(session: AsyncSession, first: Order, subscription_ref: str) -> Handled:
    """The provider cancelled the subscription: no more renewals. A paid period runs to
    its end; a grace period ends now."""
    subscription = await repository.subscription_by_ref(session, first.provider, subscription_ref)
    if subscription is None or subscription.status == "cancelled":
        return Handled("ignored", "already cancelled")
    organization = await settlement.organization_of(session, first)
    latest = await memberships.latest_of_subscription(
        session, subscription.organization_id, subscription.id
    )
    if latest is not None:
        await _close_period(session, organization, subscription, latest)
    subscription.status, subscription.cancelled_at = "cancelled", time.now()
    subscription.paid_until = subscription.grace_until = None
    await _record(session, subscription, "subscription.cancelled")
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
    if subscription.paid_until is not None:
        await memberships.move_end(
            session, organization, latest, max(subscription.paid_until, time.now())
        )
    await memberships.end_with_period(session, organization, latest, ends=True)


async def wanted_terms(
    session: AsyncSession, subscription_id: uuid.UUID
) -> tuple[str, uuid.UUID, SubscriptionTerms] | None:
    """The provider, the studio and the terms FitFlow's side of a live subscription asks for, read
    from its latest period: cancelled before its end (cancel now), cancelled at its end,
    or running to an end a freeze may have moved (the next charge). Locks that period."""
    subscription = await repository.subscription_by_id(session, subscription_id)
    if subscription is None or subscription.status not in LIVE:
        return None
    latest = await memberships.latest_of_subscription(
        session, subscription.organization_id, subscription.id
    )
    if latest is None:
        return None
    plan = await plans.plan_by_id(session, subscription.organization_id, subscription.plan_id)
    cancelled = latest.cancel_at is not None
    cancel_now = cancelled and coverage_end(latest) < latest.valid_until
    in_grace = subscription.grace_until is not None
    terms = SubscriptionTerms(
        ref=subscription.provider_ref,
        cancel_now=cancel_now,
        cancel_at_period_end=cancelled and not cancel_now,
        next_charge_at=None if cancelled or in_grace else latest.valid_until,
        price=RecurringPrice(
            amount_minor=subscription.amount_minor,
            currency=subscription.currency,
            billing_period=plan.billing_period or "month",
            name=plan.name,
        ),
    )
    return subscription.provider, subscription.organization_id, terms


def _renewed(order: Order) -> str:
    amount = format_minor(order.amount_minor, order.currency)
    return f"Thank you: your membership renewed and we received {amount} for {order.description}."


async def _record(
    session: AsyncSession, subscription: Subscription, action: str, **data: object
) -> None:
    await audit.record(
        session,
        action,
        organization_id=subscription.organization_id,
        subject_type="subscription",
        subject_id=subscription.id,
        data={"member_id": str(subscription.member_id), **{k: str(v) for k, v in data.items()}},
    )
