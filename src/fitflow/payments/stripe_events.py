"""Stripe's events, read: each handled type finds its order (locked) and hands the
provider-neutral fact to `settlement`. Unknown types are kept and ignored."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.config import get_settings
from fitflow.payments import providers, repository, settlement, subscription_endings
from fitflow.payments import subscriptions as subscription_invoices
from fitflow.payments.gateway import (
    DisputeSeen,
    Handled,
    InvoiceSeen,
    PaymentSeen,
    RefundSeen,
    SubscriptionSeen,
)
from fitflow.payments.models import Order

Object = dict[str, Any]


@dataclass(frozen=True)
class Scope:
    """Where an event came from: when the provider created it, and the studio whose own
    Stripe account sent it (None: the platform's account)."""

    at: datetime
    account: uuid.UUID | None

    def admits(self, order: Order) -> Order | None:
        """The order, if this account may speak of it: a studio's own account only of
        that studio's orders, the platform's only of studios without their own."""
        if self.account is not None:
            return order if order.organization_id == self.account else None
        studio_accounts = get_settings().stripe.studio_accounts
        return None if order.organization_id in studio_accounts else order


Handler = Callable[[AsyncSession, Object, Scope], Awaitable[Handled]]
NO_ORDER = Handled("ignored", "no order of FitFlow's")


async def handle(session: AsyncSession, event_type: str, obj: Object, scope: Scope) -> Handled:
    """Apply an event of `event_type` about `obj`."""
    handler = HANDLERS.get(event_type)
    if handler is None:
        return Handled("ignored", "event type not handled")
    return await handler(session, obj, scope)


async def _checkout_completed(session: AsyncSession, obj: Object, scope: Scope) -> Handled:
    """Paid by card now, or (payment_status unpaid) by a method that settles later."""
    if obj.get("payment_status") != "paid":
        return Handled("ignored", "payment not settled yet")
    return await _checkout_paid(session, obj, scope)


async def _checkout_paid(session: AsyncSession, obj: Object, scope: Scope) -> Handled:
    order = await _order_of_checkout(session, obj, scope)
    if obj.get("mode") == "subscription":
        return await _subscription_started(session, order, obj)
    payment = PaymentSeen(
        payment_ref=str(obj.get("payment_intent") or obj["id"]),
        amount_minor=int(obj.get("amount_total") or 0),
        currency=str(obj.get("currency") or ""),
    )
    if order is None:
        await settlement.return_whole(
            session, None, payment.payment_ref, reason="no such order", account=scope.account
        )
        return Handled("refunded", "paid checkout without an order")
    return await settlement.settle(session, order, payment)


async def _subscription_started(session: AsyncSession, order: Order | None, obj: Object) -> Handled:
    """A subscription checkout completed: the subscription is linked to its order; the
    money is settled by the subscription's first invoice, whichever comes first."""
    subscription_ref = _ref(obj.get("subscription"))
    if order is None or subscription_ref is None:
        return NO_ORDER
    linked = await subscription_invoices.link(
        session, order, subscription_ref, _ref(obj.get("customer"))
    )
    if linked is None:
        return Handled("ignored", "the subscription belongs to another order")
    return Handled("applied", "subscription linked; its first invoice pays the order")


async def _invoice_paid(session: AsyncSession, obj: Object, scope: Scope) -> Handled:
    invoice = _invoice(obj, scope)
    if invoice is None:
        return NO_ORDER
    if invoice.payment_ref is None and invoice.amount_minor > 0:
        # Recent API versions leave the payment out of the invoice: ask for it.
        found = await providers.online(scope.account).invoice_payment_ref(invoice.ref)
        invoice = replace(invoice, payment_ref=found)
    metadata = _subscription_metadata(obj)
    first = await _order_of_metadata(session, {"metadata": metadata}, scope)
    if first is not None:
        return await subscription_invoices.invoice_paid(session, first, invoice)
    if "fitflow_order_id" in metadata and invoice.payment_ref is not None:
        await settlement.return_whole(
            session, None, invoice.payment_ref, reason="no such order", account=scope.account
        )
        return Handled("refunded", "paid invoice of a subscription without its order")
    return NO_ORDER


async def _invoice_payment_failed(session: AsyncSession, obj: Object, scope: Scope) -> Handled:
    """A renewal was declined (a first invoice fails on the payment page instead)."""
    invoice = _invoice(obj, scope)
    first = await _order_of_metadata(session, {"metadata": _subscription_metadata(obj)}, scope)
    if invoice is None or first is None:
        return NO_ORDER
    if invoice.reason == subscription_invoices.FIRST:
        return Handled("ignored", "the first payment is retried on the payment page")
    return await subscription_invoices.renewal_failed(
        session, first, invoice.subscription_ref, invoice_ref=invoice.ref, at=scope.at
    )


async def _subscription_updated(session: AsyncSession, obj: Object, scope: Scope) -> Handled:
    first = await _order_of_metadata(session, obj, scope)
    if first is None:
        return NO_ORDER
    seen = SubscriptionSeen(
        ref=str(obj["id"]),
        status=str(obj.get("status") or ""),
        cancel_at_period_end=bool(obj.get("cancel_at_period_end")),
        at=scope.at,
    )
    return await subscription_endings.provider_changed(session, first, seen)


async def _subscription_deleted(session: AsyncSession, obj: Object, scope: Scope) -> Handled:
    first = await _order_of_metadata(session, obj, scope)
    if first is None:
        return NO_ORDER
    return await subscription_endings.ended(session, first, str(obj["id"]))


def _invoice(obj: Object, scope: Scope) -> InvoiceSeen | None:
    """A subscription's invoice, read from recent (parent, payments) or older API
    versions (subscription, payment_intent)."""
    details = (obj.get("parent") or {}).get("subscription_details") or {}
    subscription_ref = _ref(details.get("subscription")) or _ref(obj.get("subscription"))
    if subscription_ref is None:
        return None
    payments = (obj.get("payments") or {}).get("data") or [{}]
    payment = payments[0].get("payment") or {}
    return InvoiceSeen(
        ref=str(obj["id"]),
        subscription_ref=subscription_ref,
        customer_ref=_ref(obj.get("customer")),
        payment_ref=_ref(payment.get("payment_intent")) or _ref(obj.get("payment_intent")),
        amount_minor=int(obj.get("amount_paid") or 0),
        currency=str(obj.get("currency") or ""),
        reason=str(obj.get("billing_reason") or "manual"),
        at=scope.at,
    )


def _subscription_metadata(obj: Object) -> dict[str, Any]:
    """FitFlow's ids on an invoice: where the subscription's metadata is copied to."""
    details = (obj.get("parent") or {}).get("subscription_details") or {}
    older = obj.get("subscription_details") or {}
    lines = (obj.get("lines") or {}).get("data") or [{}]
    found = details.get("metadata") or older.get("metadata") or lines[0].get("metadata")
    return found if isinstance(found, dict) else {}


def _ref(value: object) -> str | None:
    """An id that Stripe may send bare or expanded into its object."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) and value else None


async def _checkout_closed(
    status: str, session: AsyncSession, obj: Object, scope: Scope
) -> Handled:
    order = await _order_of_checkout(session, obj, scope)
    return NO_ORDER if order is None else await settlement.close_unpaid(session, order, status)


async def _checkout_expired(session: AsyncSession, obj: Object, scope: Scope) -> Handled:
    return await _checkout_closed("expired", session, obj, scope)


async def _async_payment_failed(session: AsyncSession, obj: Object, scope: Scope) -> Handled:
    return await _checkout_closed("failed", session, obj, scope)


async def _payment_failed(session: AsyncSession, obj: Object, scope: Scope) -> Handled:
    order = await _order_of_metadata(session, obj, scope)
    if order is None:
        return NO_ORDER
    error = obj.get("last_payment_error") or {}
    message = str(error.get("message") or error.get("code") or "declined")
    return await settlement.note_failed_attempt(session, order, message)


async def _charge_refunded(session: AsyncSession, obj: Object, scope: Scope) -> Handled:
    order = await _order_of_payment(session, obj.get("payment_intent"), scope)
    if order is None:
        return NO_ORDER
    listed = (obj.get("refunds") or {}).get("data") or []
    seen = [_refund(item) for item in listed if isinstance(item, dict)]
    return await settlement.record_refunds(session, order, seen)


async def _dispute(session: AsyncSession, obj: Object, scope: Scope, *, closed: bool) -> Handled:
    order = await _order_of_payment(session, obj.get("payment_intent"), scope)
    if order is None:
        return NO_ORDER
    dispute = DisputeSeen(
        ref=str(obj["id"]),
        status=str(obj.get("status") or "needs_response"),
        closed=closed,
        amount_minor=int(obj.get("amount") or 0),
        reason=obj.get("reason"),
    )
    return await settlement.record_dispute(session, order, dispute)


async def _dispute_opened(session: AsyncSession, obj: Object, scope: Scope) -> Handled:
    return await _dispute(session, obj, scope, closed=False)


async def _dispute_closed(session: AsyncSession, obj: Object, scope: Scope) -> Handled:
    return await _dispute(session, obj, scope, closed=True)


def _refund(item: Object) -> RefundSeen:
    metadata = item.get("metadata") or {}
    ours = metadata.get("fitflow_refund_id")
    return RefundSeen(
        ref=str(item["id"]),
        amount_minor=int(item.get("amount") or 0),
        status=str(item.get("status") or "pending"),
        refund_id=_uuid(ours),
    )


async def _order_of_checkout(session: AsyncSession, obj: Object, scope: Scope) -> Order | None:
    order = await repository.by_provider_ref(
        session, "stripe", checkout_ref=str(obj["id"]), payment_ref=None
    )
    if order is not None:
        return scope.admits(order)
    return await _order_of_metadata(session, obj, scope)


async def _order_of_payment(
    session: AsyncSession, payment_ref: object, scope: Scope
) -> Order | None:
    if not isinstance(payment_ref, str):
        return None
    order = await repository.by_provider_ref(
        session, "stripe", checkout_ref=None, payment_ref=payment_ref
    )
    return None if order is None else scope.admits(order)


async def _order_of_metadata(session: AsyncSession, obj: Object, scope: Scope) -> Order | None:
    """The order named in the object's metadata, as FitFlow wrote it when opening the
    checkout (both ids must agree)."""
    metadata = obj.get("metadata") or {}
    order_id = _uuid(metadata.get("fitflow_order_id"))
    organization_id = _uuid(metadata.get("fitflow_organization_id"))
    if order_id is None or organization_id is None:
        return None
    order = await repository.by_id(session, organization_id, order_id, lock=True)
    return scope.admits(order) if order is not None and order.provider == "stripe" else None


def _uuid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def event_time(event: Object) -> datetime:
    """When the provider created the event."""
    return datetime.fromtimestamp(int(event.get("created") or 0), tz=UTC)


def organization_of(obj: Object) -> uuid.UUID | None:
    """The studio FitFlow's metadata on the object names, if any."""
    metadata = obj.get("metadata") or _subscription_metadata(obj)
    return _uuid(metadata.get("fitflow_organization_id"))


HANDLERS: dict[str, Handler] = {
    "checkout.session.completed": _checkout_completed,
    "checkout.session.async_payment_succeeded": _checkout_paid,
    "checkout.session.async_payment_failed": _async_payment_failed,
    "checkout.session.expired": _checkout_expired,
    "payment_intent.payment_failed": _payment_failed,
    "charge.refunded": _charge_refunded,
    "charge.dispute.created": _dispute_opened,
    "charge.dispute.closed": _dispute_closed,
    "invoice.paid": _invoice_paid,
    "invoice.payment_failed": _invoice_payment_failed,
    "customer.subscription.updated": _subscription_updated,
    "customer.subscription.deleted": _subscription_deleted,
}
