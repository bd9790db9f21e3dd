"""What a provider's news does to an order, whatever the provider: money arrived, a
checkout closed unpaid, money went back, a payment was disputed. Each use case takes the
order locked, decides from its current state alone and is safe to run twice, so events
may arrive in any order and any number of times."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.audit import service as audit
from fitflow.bookings import paid_holds
from fitflow.invoices import service as invoices
from fitflow.kit import jobs, time
from fitflow.kit.money import format_minor
from fitflow.members import service as members
from fitflow.notifications import service as notifications
from fitflow.organizations import service as organizations
from fitflow.organizations.models import Organization
from fitflow.payments import flags, refunds
from fitflow.payments.gateway import DisputeSeen, Handled, PaymentSeen, RefundSeen
from fitflow.payments.models import Order
from fitflow.payments.refund_tasks import return_payment, send_refund
from fitflow.payments.service import grant_order
from fitflow.plans import service as plans

UNPAID = frozenset({"pending", "expired", "failed"})


async def settle(session: AsyncSession, order: Order, payment: PaymentSeen) -> Handled:
    """The money for a checkout arrived: mark the order paid and grant what it sells,
    once. A payment that does not match the order's amount and currency grants nothing;
    it is flagged and returned, as is a second payment for an order already paid."""
    if order.payment_ref == payment.payment_ref:
        return Handled("ignored", "this payment was handled already")
    if order.status not in UNPAID or order.flag == "amount_mismatch":
        await return_whole(session, order, payment.payment_ref, reason="second payment")
        return Handled("refunded", "the order was already settled")
    if (payment.amount_minor, payment.currency.upper()) != (order.amount_minor, order.currency):
        await flags.flag(session, order, "amount_mismatch", _mismatch(order, payment))
        order.payment_ref = payment.payment_ref
        await return_whole(session, order, payment.payment_ref, reason="amount mismatch")
        return Handled("flagged", "amount or currency differs from the order")
    organization = await organization_of(session, order)
    order.status, order.paid_at, order.payment_ref = "paid", time.now(), payment.payment_ref
    plan = await plans.plan_by_id(session, order.organization_id, order.plan_id)
    await grant_order(session, organization, order, plan, at=order.paid_at)
    await record(session, order, "order.paid", {"payment_ref": payment.payment_ref})
    if order.booking_id is not None and not await paid_holds.book_paid_hold(
        session, organization, order.booking_id, order.member_id
    ):
        await _refund_unused(session, organization, order)
        return Handled("refunded", "no spot left for the class it paid for")
    # Last: the invoice takes the studio's counter lock until the transaction ends.
    await invoices.issue_for_order(session, order)
    await tell_member(session, organization, order, "Payment received", receipt(order))
    return Handled("applied")


async def _refund_unused(session: AsyncSession, organization: Organization, order: Order) -> None:
    """The drop-in paid for a held spot, but the hold lapsed and the class has no spot
    left: all the money goes back (the pass with it), with an audit entry and a notice."""
    refund = await refunds.give_back(
        session,
        organization,
        order,
        amount_minor=order.amount_minor,
        reason="the held spot was gone when the payment arrived",
        actor_user_id=None,
        status="pending",
    )
    await jobs.defer(session, send_refund, refund_id=str(refund.id))
    await refunds.audit_refund(session, None, order, "order.refunded", refund)
    body = (
        f"Your payment for {order.description} arrived after your held spot had been "
        "released, and the class has no spot left. We are refunding it to you in full."
    )
    await tell_member(session, organization, order, "Your payment is being refunded", body)


async def close_unpaid(session: AsyncSession, order: Order, status: str) -> Handled:
    """The checkout closed without money (`expired` or `failed`); a paid order stays
    paid whatever arrives after."""
    if order.status != "pending" or order.payment_ref is not None:
        return Handled("ignored", f"order is {order.status}")
    order.status = status
    await record(session, order, f"order.checkout_{status}", {})
    return Handled("applied")


async def note_failed_attempt(session: AsyncSession, order: Order, message: str) -> Handled:
    """A card was declined on the payment page; the checkout stays open for another try."""
    await record(session, order, "order.payment_attempt_failed", {"message": message[:500]})
    return Handled("applied")


async def record_refunds(session: AsyncSession, order: Order, seen: list[RefundSeen]) -> Handled:
    """Refunds as the provider reports them: FitFlow's own get their outcome; one made
    outside FitFlow (Stripe's dashboard) is recorded and takes back its share of the
    grant like any refund. Known refunds are never counted twice."""
    organization = await organization_of(session, order)
    changed = 0
    for refund in seen:
        changed += await refunds.reconcile(session, organization, order, refund)
    return Handled("applied" if changed else "ignored")


async def record_dispute(session: AsyncSession, order: Order, dispute: DisputeSeen) -> Handled:
    """A chargeback: the order is flagged for staff with the dispute's state, and the
    dispute is noted on the member. A closed dispute is final: a late `created` event
    does not reopen it."""
    detail = order.flag_detail or {}
    if detail.get("dispute_closed") and not dispute.closed:
        return Handled("ignored", "dispute already closed")
    await flags.flag(
        session,
        order,
        "disputed",
        {
            "dispute_ref": dispute.ref,
            "dispute_status": dispute.status,
            "dispute_closed": dispute.closed,
            "amount_minor": dispute.amount_minor,
            "reason": dispute.reason,
        },
    )
    await members.note_payment_dispute(session, order.organization_id, order.member_id)
    return Handled("flagged")


async def return_whole(
    session: AsyncSession,
    order: Order | None,
    payment_ref: str,
    *,
    reason: str,
    account: uuid.UUID | None = None,
) -> None:
    """Give a payment back whole through a job, with an audit entry and a notice to the
    member: money FitFlow cannot match to what it sold is never kept. Without an order,
    `account` is the studio whose own Stripe account took the money (None: the
    platform's)."""
    studio = order.organization_id if order else account
    await jobs.defer(
        session,
        return_payment,
        payment_ref=payment_ref,
        reason=reason,
        organization_id=str(studio) if studio else None,
    )
    if order is None:
        return
    await record(session, order, "order.payment_returned", {"payment_ref": payment_ref})
    organization = await organization_of(session, order)
    body = (
        f"We received a payment for {order.description} that we could not accept "
        f"({reason}). It is being refunded to you in full; nothing else is needed from you."
    )
    await tell_member(session, organization, order, "Your payment is being refunded", body)


def _mismatch(order: Order, payment: PaymentSeen) -> dict[str, Any]:
    return {
        "expected_minor": order.amount_minor,
        "expected_currency": order.currency,
        "received_minor": payment.amount_minor,
        "received_currency": payment.currency.upper(),
    }


def receipt(order: Order) -> str:
    amount = format_minor(order.amount_minor, order.currency)
    return f"Thank you: we received {amount} for {order.description}. It is in your account now."


async def organization_of(session: AsyncSession, order: Order) -> Organization:
    found = await organizations.by_ids(session, [order.organization_id])
    return found[order.organization_id]


async def tell_member(
    session: AsyncSession, organization: Organization, order: Order, subject: str, body: str
) -> None:
    email = await members.email_of(session, organization.id, order.member_id)
    if email is not None:
        await notifications.queue_email(
            session,
            to=email,
            subject=f"{organization.name}: {subject}",
            body=body,
            organization_id=organization.id,
        )


async def record(session: AsyncSession, order: Order, action: str, data: dict[str, Any]) -> None:
    await audit.record(
        session,
        action,
        organization_id=order.organization_id,
        subject_type="order",
        subject_id=order.id,
        data=data,
    )
