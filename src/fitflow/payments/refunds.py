"""Refunds and voids of orders. Money back takes back what the money granted, in
proportion and never more: credits from the order's own lot (only those still unused),
days from the order's membership. A void undoes an unused sale exactly."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.audit import service as audit
from fitflow.credits import service as credits
from fitflow.invoices import service as invoices
from fitflow.kit import jobs
from fitflow.kit.source import Source
from fitflow.memberships import periods as memberships
from fitflow.organizations.models import Organization
from fitflow.organizations.permissions import Action, Actor, require
from fitflow.payments import flags, repository
from fitflow.payments.errors import (
    OrderInUse,
    OrderNotFound,
    OrderNotPaid,
    OrderNotVoidable,
    OrderVoided,
    RefundTooLarge,
)
from fitflow.payments.gateway import RefundSeen
from fitflow.payments.models import Order, OrderRefund
from fitflow.payments.refund_tasks import send_refund
from fitflow.payments.schemas import OrderRead, RefundCreate, VoidRequest
from fitflow.payments.service import order_source, read


async def refund_order(
    session: AsyncSession,
    actor: Actor,
    organization: Organization,
    order_id: uuid.UUID,
    body: RefundCreate,
) -> OrderRead:
    """Give back part or all of an order's money (admin+), taking back the same share of
    what it granted. Locks the order, so concurrent refunds never exceed the payment. Money
    paid online is refunded by the provider: the refund is pending until a job, run after
    this commits, has asked for it."""
    require(actor, Action.refund_orders)
    order = await _locked(session, organization.id, order_id)
    if order.status == "voided":
        raise OrderVoided()
    if order.paid_at is None:
        raise OrderNotPaid()
    online = order.provider != "desk"
    refund = await give_back(
        session,
        organization,
        order,
        amount_minor=body.amount_minor,
        reason=body.reason,
        actor_user_id=actor.user_id,
        status="pending" if online else "succeeded",
    )
    if online:
        await jobs.defer(session, send_refund, refund_id=str(refund.id))
    await audit_refund(session, actor.user_id, order, "order.refunded", refund)
    return await read(session, order)


async def give_back(
    session: AsyncSession,
    organization: Organization,
    order: Order,
    *,
    amount_minor: int,
    reason: str,
    actor_user_id: uuid.UUID | None,
    status: str = "succeeded",
    origin: str = "staff",
    provider_ref: str | None = None,
) -> OrderRefund:
    """Record money going back on a locked, paid order, take back the same share of what
    it granted and issue the credit note. Never more than is left of the payment."""
    refundable = order.amount_minor - order.refunded_minor
    if amount_minor > refundable:
        raise RefundTooLarge(data={"refundable_minor": refundable})
    refund = _money_back(order, actor_user_id, "refund", amount_minor, reason)
    refund.status, refund.origin, refund.provider_ref = status, origin, provider_ref
    order.refunded_minor += amount_minor
    order.status = (
        "refunded" if order.refunded_minor == order.amount_minor else "partially_refunded"
    )
    # The share of the grant matching all the money refunded so far; what earlier
    # refunds took is subtracted, so several partial refunds add up to one.
    await _take_back(
        session, organization, order, refund, share=(order.refunded_minor, order.amount_minor)
    )
    await repository.add(session, refund)
    await invoices.credit_note_for_refund(session, order, refund)
    return refund


async def reconcile(
    session: AsyncSession, organization: Organization, order: Order, seen: RefundSeen
) -> int:
    """One refund as the provider reports it, on a locked order: FitFlow's own refund
    gets the provider's id and outcome; one made outside FitFlow is recorded like a staff
    refund. Returns 1 when something changed, 0 for news already known."""
    known = await _known_refund(session, seen)
    if known is not None:
        return await _update_outcome(session, order, known, seen)
    refundable = order.amount_minor - order.refunded_minor
    if seen.status != "succeeded" or order.paid_at is None or refundable <= 0:
        return 0
    refund = await give_back(
        session,
        organization,
        order,
        amount_minor=min(seen.amount_minor, refundable),
        reason="refunded in the payment provider's dashboard",
        actor_user_id=None,
        origin="provider",
        provider_ref=seen.ref,
    )
    await audit_refund(session, None, order, "order.refunded", refund)
    return 1


async def _known_refund(session: AsyncSession, seen: RefundSeen) -> OrderRefund | None:
    if seen.refund_id is not None:
        found = await repository.refund_by_id(session, seen.refund_id)
        if found is not None:
            return found
    return await repository.refund_by_provider_ref(session, seen.ref)


async def _update_outcome(
    session: AsyncSession, order: Order, refund: OrderRefund, seen: RefundSeen
) -> int:
    """A pending refund learns its outcome; a settled one never goes back to pending."""
    outcome = seen.status if seen.status in {"succeeded", "failed"} else "pending"
    if refund.provider_ref == seen.ref and refund.status in {outcome, "succeeded", "failed"}:
        return 0
    refund.provider_ref = seen.ref
    if refund.status == "pending":
        refund.status = outcome
    if refund.status == "failed":
        await flags.refund_failed(session, order, refund)
    await session.flush()
    return 1


async def void_order(
    session: AsyncSession,
    actor: Actor,
    organization: Organization,
    order_id: uuid.UUID,
    body: VoidRequest,
) -> OrderRead:
    """Undo a sale made by mistake (admin+): only a paid order whose grant is untouched,
    which is then taken back whole and the money recorded as returned. Locks the order,
    then its lot or membership."""
    require(actor, Action.refund_orders)
    order = await _locked(session, organization.id, order_id)
    if order.status != "paid":
        raise OrderNotVoidable()
    refund = _money_back(order, actor.user_id, "void", order.amount_minor, body.reason)
    order.refunded_minor, order.status = order.amount_minor, "voided"
    await _take_back(session, organization, order, refund, share=(1, 1))
    # Only now does this transaction hold the grant's lock: a class charged to it since
    # the order was read is seen, and raising rolls back everything taken back above.
    if not await _grant_was_untouched(session, organization, order, refund):
        raise OrderInUse()
    await repository.add(session, refund)
    await invoices.credit_note_for_refund(session, order, refund)
    await audit_refund(session, actor.user_id, order, "order.voided", refund)
    return await read(session, order)


def _money_back(
    order: Order, actor_user_id: uuid.UUID | None, kind: str, amount_minor: int, reason: str
) -> OrderRefund:
    # The id is set now: what the refund takes back names it as its source.
    return OrderRefund(
        id=uuid.uuid4(),
        organization_id=order.organization_id,
        order_id=order.id,
        kind=kind,
        amount_minor=amount_minor,
        reason=reason,
        actor_user_id=actor_user_id,
    )


async def _locked(session: AsyncSession, organization_id: uuid.UUID, order_id: uuid.UUID) -> Order:
    order = await repository.by_id(session, organization_id, order_id, lock=True)
    if order is None:
        raise OrderNotFound()
    return order


async def _take_back(
    session: AsyncSession,
    organization: Organization,
    order: Order,
    refund: OrderRefund,
    *,
    share: tuple[int, int],
) -> None:
    refunded, paid = share
    if order.granted_lot_id is not None:
        refund.revoked_units = await _revoke_credits(session, organization, order, refund, share)
    elif order.granted_membership_id is not None:
        refund.membership_ends_at = await memberships.cut_short(
            session, organization, order.granted_membership_id, (paid - refunded, paid)
        )


async def _revoke_credits(
    session: AsyncSession,
    organization: Organization,
    order: Order,
    refund: OrderRefund,
    share: tuple[int, int],
) -> int:
    """Claim the credits this refund adds to the share of all the money refunded so
    far; the ledger takes what the lot holds and keeps the rest owed."""
    refunded, paid = share
    granted = await credits.granted_units(
        session, organization_id=organization.id, granted_by=order_source(order)
    )
    before = refunded - refund.amount_minor
    owed = granted * refunded // paid - granted * before // paid
    if owed <= 0:
        return 0
    return await credits.revoke_grant(
        session,
        organization_id=organization.id,
        granted_by=order_source(order),
        units=owed,
        source=Source("order_refund", str(refund.id)),
        reason=f"order refunded: {refund.reason}",
        actor_user_id=refund.actor_user_id,
    )


async def _grant_was_untouched(
    session: AsyncSession, organization: Organization, order: Order, refund: OrderRefund
) -> bool:
    """Whether the grant was unused when taking it back locked it: a lot held all it
    granted (expired or not); a membership paid no class. Reads what the take-back just
    locked and refreshed."""
    if order.granted_lot_id is not None:
        return await credits.was_untouched(
            session,
            organization_id=organization.id,
            granted_by=order_source(order),
            revoked=refund.revoked_units,
        )
    if order.granted_membership_id is not None:
        _, _, used = await memberships.window_of(
            session, organization.id, order.granted_membership_id
        )
        return used == 0
    return True


async def audit_refund(
    session: AsyncSession,
    actor_user_id: uuid.UUID | None,
    order: Order,
    action: str,
    refund: OrderRefund,
) -> None:
    ends_at: datetime | None = refund.membership_ends_at
    await audit.record(
        session,
        action,
        actor_user_id=actor_user_id,
        organization_id=order.organization_id,
        subject_type="order",
        subject_id=order.id,
        data={
            "amount_minor": refund.amount_minor,
            "reason": refund.reason,
            "revoked_units": refund.revoked_units,
            "membership_ends_at": ends_at.isoformat() if ends_at else None,
            "origin": refund.origin,
            "status": refund.status,
        },
    )
