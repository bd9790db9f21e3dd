"""Subscriptions, as the provider's news of money reaches them: a paid checkout starts
one, each paid renewal invoice becomes an order and the next membership period, another
paid invoice (a prorated plan change) an order that grants no days, and a failed renewal
opens a grace period that a job ends by suspending.

Every use case starts from the subscription's first order, locked, then the subscription,
then its latest period, so events about one subscription queue; each decides from the
current state alone and is safe to run twice. A subscription is only ever touched through
the order that started it: another studio's or member's is never found."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.audit import service as audit
from fitflow.invoices import service as invoices
from fitflow.kit import jobs, time
from fitflow.kit.money import format_minor
from fitflow.memberships import periods as memberships
from fitflow.memberships.models import Membership
from fitflow.organizations.models import Organization
from fitflow.organizations.policy import policy_of
from fitflow.payments import repository, settlement
from fitflow.payments.gateway import Handled, InvoiceSeen, PaymentSeen
from fitflow.payments.models import Order, Subscription
from fitflow.payments.service import grant_order, insert_order
from fitflow.payments.subscription_tasks import sync_subscription
from fitflow.plans import service as plans
from fitflow.plans.models import Plan
from fitflow.plans.validity import extend_by_days, local_day, shift_by_days

FIRST = "subscription_create"
RENEWAL = "subscription_cycle"


async def link(
    session: AsyncSession, order: Order, subscription_ref: str, customer_ref: str | None
) -> Subscription | None:
    """The subscription the order's checkout started, written once and named on the
    order (the caller holds the order locked); None when `subscription_ref` is another
    order's, so an event can never attach one studio's order to another's subscription."""
    existing = await repository.subscription_by_ref(session, order.provider, subscription_ref)
    if existing is not None:
        return existing if _started_by(existing, order) else None
    if order.subscription_id is not None:
        return None
    started = Subscription(
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
    await repository.add(session, started)
    order.subscription_id = started.id
    return started


async def owned(session: AsyncSession, first: Order, subscription_ref: str) -> Subscription | None:
    """The subscription `subscription_ref` names, locked, if `first` started it."""
    found = await repository.subscription_by_ref(session, first.provider, subscription_ref)
    return found if found is not None and _started_by(found, first) else None


def _started_by(subscription: Subscription, order: Order) -> bool:
    same_buyer = (subscription.organization_id, subscription.member_id) == (
        order.organization_id,
        order.member_id,
    )
    return same_buyer and order.subscription_id in (None, subscription.id)


async def invoice_paid(session: AsyncSession, first: Order, invoice: InvoiceSeen) -> Handled:
    """The first invoice pays the order its checkout wrote, each renewal invoice renews,
    and any other paid invoice is recorded as a charge that grants no days. After a
    payment the provider's next charge is aligned with the period's end (a job)."""
    subscription = await link(session, first, invoice.subscription_ref, invoice.customer_ref)
    if subscription is None:
        return Handled("ignored", "the subscription belongs to another order")
    advance(subscription, invoice.at)
    if invoice.reason == FIRST:
        if invoice.payment_ref is None:
            return Handled("ignored", "a first invoice paid without a payment")
        payment = PaymentSeen(invoice.payment_ref, invoice.amount_minor, invoice.currency)
        handled = await settlement.settle(session, first, payment)
    elif invoice.reason == RENEWAL:
        handled = await _renew(session, first, subscription, invoice)
    else:
        handled = await _record_charge(session, first, subscription, invoice)
    await jobs.defer(session, sync_subscription, subscription_id=str(subscription.id))
    return handled


def advance(subscription: Subscription, at: datetime) -> None:
    """Note the provider's newest news of the subscription, so that older state events
    arriving later change nothing."""
    if subscription.provider_updated_at is None or at > subscription.provider_updated_at:
        subscription.provider_updated_at = at


async def _renew(
    session: AsyncSession, first: Order, subscription: Subscription, invoice: InvoiceSeen
) -> Handled:
    """A renewal paid: a new order for what was charged, the next period from where the
    paid one ended (a grace period's days are part of it), an invoice and a receipt. A
    renewal of a subscription FitFlow has cancelled, or that its member cancelled before
    the provider heard of it, is paid back."""
    if await repository.by_invoice_ref(session, subscription.provider, invoice.ref) is not None:
        return Handled("ignored", "this renewal was recorded already")
    latest = await memberships.latest_of_subscription(
        session, subscription.organization_id, subscription.id
    )
    refused = _refusal(first, subscription, latest, invoice)
    if refused is not None:
        if invoice.payment_ref is not None:
            await settlement.return_whole(session, first, invoice.payment_ref, reason=refused)
        return Handled("refunded", f"renewal not accepted: {refused}")
    organization = await settlement.organization_of(session, first)
    plan = await plans.plan_by_id(session, first.organization_id, subscription.plan_id)
    starts_at = await _paid_end(session, organization, subscription, latest)
    order = _paid_order(first, subscription, plan, invoice, f"{plan.name}: renewal")
    await insert_order(session, order)
    await grant_order(session, organization, order, plan, at=starts_at)
    subscription.status, subscription.suspended_at = "active", None
    await settlement.record(session, order, "order.paid", {"renewal_of": str(first.id)})
    await invoices.issue_for_order(session, order)  # last: it holds the counter lock
    await settlement.tell_member(session, organization, order, "Renewal paid", _renewed(order))
    return Handled("applied")


def _refusal(
    first: Order, subscription: Subscription, latest: Membership | None, invoice: InvoiceSeen
) -> str | None:
    if subscription.status == "cancelled":
        return "subscription cancelled"
    if latest is not None and latest.cancel_requested_at is not None:
        return "membership cancelled"
    if invoice.currency.upper() != first.currency:
        return "currency"
    return None


async def _record_charge(
    session: AsyncSession, first: Order, subscription: Subscription, invoice: InvoiceSeen
) -> Handled:
    """A paid invoice that is not a period (the prorated difference of a plan change,
    or an invoice made in the provider's dashboard): an order and an invoice, no days."""
    if await repository.by_invoice_ref(session, subscription.provider, invoice.ref) is not None:
        return Handled("ignored", "this charge was recorded already")
    plan = await plans.plan_by_id(session, first.organization_id, subscription.plan_id)
    order = _paid_order(first, subscription, plan, invoice, f"{plan.name}: {invoice.reason}")
    await insert_order(session, order)
    await settlement.record(session, order, "order.paid", {"charge_of": str(first.id)})
    await invoices.issue_for_order(session, order)
    return Handled("applied", "charge recorded; no days granted")


def _paid_order(
    first: Order, subscription: Subscription, plan: Plan, invoice: InvoiceSeen, description: str
) -> Order:
    return Order(
        id=uuid.uuid4(),
        organization_id=first.organization_id,
        member_id=subscription.member_id,
        plan_id=plan.id,
        plan_kind=plan.kind,
        description=description[:200],
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


async def _paid_end(
    session: AsyncSession,
    organization: Organization,
    subscription: Subscription,
    latest: Membership | None,
) -> datetime:
    """Where the next period starts: the end of the last paid one; now when no period
    was granted yet. A grace period's extension is taken back first, except the days of
    a freeze asked for during it, which stay paused."""
    if latest is None:
        return time.now()
    if subscription.paid_until is not None and subscription.grace_until is not None:
        timezone = organization.timezone
        frozen_days = (
            local_day(latest.valid_until, timezone) - local_day(subscription.grace_until, timezone)
        ).days
        paid_end = shift_by_days(
            subscription.paid_until, timezone=timezone, days=max(frozen_days, 0)
        )
        await memberships.move_end(session, organization, latest, paid_end)
        subscription.paid_until = subscription.grace_until = None
    return latest.valid_until


async def renewal_failed(
    session: AsyncSession,
    first: Order,
    subscription_ref: str,
    *,
    invoice_ref: str | None,
    at: datetime,
) -> Handled:
    """A renewal charge failed: the member keeps the latest period for the studio's grace
    days while the provider retries, and is told. A failure the provider reported before
    news already applied (the invoice paid since, a newer state) changes nothing, nor do
    further failures once the grace runs."""
    subscription = await owned(session, first, subscription_ref)
    if subscription is None or subscription.status != "active":
        return Handled("ignored", "no active subscription")
    paid_since = invoice_ref and await repository.by_invoice_ref(
        session, first.provider, invoice_ref
    )
    stale = subscription.provider_updated_at is not None and at < subscription.provider_updated_at
    if paid_since or stale:
        return Handled("ignored", "older than what was applied")
    advance(subscription, at)
    organization = await settlement.organization_of(session, first)
    latest = await memberships.latest_of_subscription(
        session, subscription.organization_id, subscription.id
    )
    if latest is None:
        return Handled("ignored", "no period granted yet")
    grace_until = extend_by_days(
        max(latest.valid_until, time.now()),
        timezone=organization.timezone,
        days=policy_of(organization.policy).renewal_grace_days,
    )
    subscription.paid_until, subscription.grace_until = latest.valid_until, grace_until
    subscription.status = "past_due"
    await memberships.move_end(session, organization, latest, grace_until)
    await record(session, subscription, "subscription.payment_failed", grace_until=grace_until)
    await settlement.tell_member(
        session,
        organization,
        first,
        "Renewal payment failed",
        _grace_notice(latest, grace_until, organization),
    )
    return Handled("applied")


def _grace_notice(latest: Membership, grace_until: datetime, organization: Organization) -> str:
    last_day = local_day(grace_until - timedelta(microseconds=1), organization.timezone)
    return (
        f"We could not collect the renewal of your {latest.name}. You can keep booking "
        f"until the end of {last_day:%A %d %B %Y}; please update your payment details "
        "before then to keep your membership."
    )


async def suspend(session: AsyncSession, subscription_id: uuid.UUID) -> bool:
    """The grace period ended unpaid: the subscription is suspended (the membership's
    extended end has passed, so it covers nothing more) and the member told. The
    provider may still collect later, which renews it again."""
    subscription = await repository.subscription_by_id(session, subscription_id, lock=True)
    now = time.now()
    if subscription is None or subscription.status != "past_due":
        return False
    if subscription.grace_until is None or subscription.grace_until > now:
        return False
    first = await repository.first_order_of(session, subscription)
    subscription.status, subscription.suspended_at = "suspended", now
    await record(session, subscription, "subscription.suspended")
    if first is not None:
        organization = await settlement.organization_of(session, first)
        body = (
            "Your membership is suspended: its renewal payment could not be collected. "
            "Update your payment details, or renew at the desk, to book classes again."
        )
        await settlement.tell_member(session, organization, first, "Membership suspended", body)
    return True


def _renewed(order: Order) -> str:
    """The receipt's text for a renewal."""
    amount = format_minor(order.amount_minor, order.currency)
    return f"Thank you: your membership renewed and we received {amount} for {order.description}."


async def record(
    session: AsyncSession, subscription: Subscription, action: str, **data: object
) -> None:
    """An audit entry about the subscription, its data as text."""
    await audit.record(
        session,
        action,
        organization_id=subscription.organization_id,
        subject_type="subscription",
        subject_id=subscription.id,
        data={"member_id": str(subscription.member_id), **{k: str(v) for k, v in data.items()}},
    )
