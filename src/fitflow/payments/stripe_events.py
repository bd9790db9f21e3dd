"""Stripe's events, read: each handled type finds its order (locked) and hands the
provider-neutral fact to `settlement`. Unknown types are kept and ignored."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.payments import repository, settlement
from fitflow.payments.gateway import DisputeSeen, Handled, PaymentSeen, RefundSeen
from fitflow.payments.models import Order

Object = dict[str, Any]
Handler = Callable[[AsyncSession, Object], Awaitable[Handled]]
NO_ORDER = Handled("ignored", "no order of FitFlow's")


async def handle(session: AsyncSession, event_type: str, obj: Object) -> Handled:
    handler = HANDLERS.get(event_type)
    if handler is None:
        return Handled("ignored", "event type not handled")
    return await handler(session, obj)


async def _checkout_completed(session: AsyncSession, obj: Object) -> Handled:
    """Paid by card now, or (payment_status unpaid) by a method that settles later."""
    if obj.get("payment_status") != "paid":
        return Handled("ignored", "payment not settled yet")
    return await _checkout_paid(session, obj)


async def _checkout_paid(session: AsyncSession, obj: Object) -> Handled:
    order = await _order_of_checkout(session, obj)
    payment = PaymentSeen(
        payment_ref=str(obj.get("payment_intent") or obj["id"]),
        amount_minor=int(obj.get("amount_total") or 0),
        currency=str(obj.get("currency") or ""),
    )
    if order is None:
        await settlement.return_whole(session, None, payment.payment_ref, reason="no such order")
        return Handled("refunded", "paid checkout without an order")
    return await settlement.settle(session, order, payment)


async def _checkout_closed(status: str, session: AsyncSession, obj: Object) -> Handled:
    order = await _order_of_checkout(session, obj)
    return NO_ORDER if order is None else await settlement.close_unpaid(session, order, status)


async def _checkout_expired(session: AsyncSession, obj: Object) -> Handled:
    return await _checkout_closed("expired", session, obj)


async def _async_payment_failed(session: AsyncSession, obj: Object) -> Handled:
    return await _checkout_closed("failed", session, obj)


async def _payment_failed(session: AsyncSession, obj: Object) -> Handled:
    order = await _order_of_metadata(session, obj)
    if order is None:
        return NO_ORDER
    error = obj.get("last_payment_error") or {}
    message = str(error.get("message") or error.get("code") or "declined")
    return await settlement.note_failed_attempt(session, order, message)


async def _charge_refunded(session: AsyncSession, obj: Object) -> Handled:
    order = await _order_of_payment(session, obj.get("payment_intent"))
    if order is None:
        return NO_ORDER
    listed = (obj.get("refunds") or {}).get("data") or []
    seen = [_refund(item) for item in listed if isinstance(item, dict)]
    return await settlement.record_refunds(session, order, seen)


async def _dispute(session: AsyncSession, obj: Object, *, closed: bool) -> Handled:
    order = await _order_of_payment(session, obj.get("payment_intent"))
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


async def _dispute_opened(session: AsyncSession, obj: Object) -> Handled:
    return await _dispute(session, obj, closed=False)


async def _dispute_closed(session: AsyncSession, obj: Object) -> Handled:
    return await _dispute(session, obj, closed=True)


def _refund(item: Object) -> RefundSeen:
    metadata = item.get("metadata") or {}
    ours = metadata.get("fitflow_refund_id")
    return RefundSeen(
        ref=str(item["id"]),
        amount_minor=int(item.get("amount") or 0),
        status=str(item.get("status") or "pending"),
        refund_id=_uuid(ours),
    )


async def _order_of_checkout(session: AsyncSession, obj: Object) -> Order | None:
    order = await repository.by_provider_ref(
        session, "stripe", checkout_ref=str(obj["id"]), payment_ref=None
    )
    return order or await _order_of_metadata(session, obj)


async def _order_of_payment(session: AsyncSession, payment_ref: object) -> Order | None:
    if not isinstance(payment_ref, str):
        return None
    return await repository.by_provider_ref(
        session, "stripe", checkout_ref=None, payment_ref=payment_ref
    )


async def _order_of_metadata(session: AsyncSession, obj: Object) -> Order | None:
    """The order named in the object's metadata, as FitFlow wrote it when opening the
    checkout (both ids must agree)."""
    metadata = obj.get("metadata") or {}
    order_id = _uuid(metadata.get("fitflow_order_id"))
    organization_id = _uuid(metadata.get("fitflow_organization_id"))
    if order_id is None or organization_id is None:
        return None
    order = await repository.by_id(session, organization_id, order_id, lock=True)
    return order if order is not None and order.provider == "stripe" else None


def _uuid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def event_time(event: Object) -> datetime:
    return datetime.fromtimestamp(int(event.get("created") or 0), tz=UTC)


def organization_of(obj: Object) -> uuid.UUID | None:
    return _uuid((obj.get("metadata") or {}).get("fitflow_organization_id"))


HANDLERS: dict[str, Handler] = {
    "checkout.session.completed": _checkout_completed,
    "checkout.session.async_payment_succeeded": _checkout_paid,
    "checkout.session.async_payment_failed": _async_payment_failed,
    "checkout.session.expired": _checkout_expired,
    "payment_intent.payment_failed": _payment_failed,
    "charge.refunded": _charge_refunded,
    "charge.dispute.created": _dispute_opened,
    "charge.dispute.closed": _dispute_closed,
}
