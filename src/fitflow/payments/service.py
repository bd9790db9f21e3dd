"""Desk sales: staff record money taken at the desk, and the order grants what the plan
sells in the same transaction, so a sale and its grant commit together or not at all."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.audit import service as audit
from fitflow.credits import service as credits
from fitflow.invoices import service as invoices
from fitflow.kit import time
from fitflow.kit.pagination import Page, PageParams
from fitflow.kit.source import Source
from fitflow.members import service as members
from fitflow.memberships import coverage
from fitflow.memberships import service as memberships
from fitflow.organizations.models import Organization
from fitflow.organizations.permissions import Action, Actor, require
from fitflow.payments import repository
from fitflow.payments.errors import IntroOfferUsed, OrderNotFound, PlanNotOnSale
from fitflow.payments.models import Order, OrderRefund
from fitflow.payments.schemas import DeskOrderCreate, OrderRead, RefundRead
from fitflow.plans import service as plans
from fitflow.plans.models import Plan
from fitflow.plans.validity import validity_window

INTRO_OFFER_INDEX = "uq_orders_one_intro_offer_per_member"


def _constraint_of(error: IntegrityError) -> str | None:
    diagnostics = getattr(error.orig, "diag", None)
    return getattr(diagnostics, "constraint_name", None)


def order_source(order: Order) -> Source:
    """The source a grant names, so that granting for an order happens once."""
    return Source("order", str(order.id))


async def sell_at_desk(
    session: AsyncSession, actor: Actor, organization: Organization, body: DeskOrderCreate
) -> OrderRead:
    """Record a plan paid at the desk and grant what it sells (receptionist+). The price
    is the plan's, snapshotted; an intro offer sells once per member."""
    require(actor, Action.sell_at_desk)
    await members.ensure_member(session, organization.id, body.member_id)
    plan = await plan_on_sale(session, organization.id, body.plan_id)
    now = time.now()
    member = await coverage.holds_membership(session, organization.id, body.member_id, now)
    order = Order(
        id=uuid.uuid4(),
        organization_id=organization.id,
        member_id=body.member_id,
        plan_id=plan.id,
        plan_kind=plan.kind,
        description=plan.name,
        amount_minor=plans.price_for(plan, holds_membership=member),
        currency=plan.currency,
        intro_offer=plan.intro_offer,
        method=body.method,
        note=body.note,
        created_by_user_id=actor.user_id,
        paid_at=now,
    )
    await insert_order(session, order)
    await grant_order(session, organization, order, plan, at=now)
    await invoices.issue_for_order(session, order)
    await audit.record(
        session,
        "order.created",
        actor_user_id=actor.user_id,
        organization_id=organization.id,
        subject_type="order",
        subject_id=order.id,
        data={"member_id": str(order.member_id), "amount_minor": order.amount_minor},
    )
    return await read(session, order)


async def plan_on_sale(
    session: AsyncSession, organization_id: uuid.UUID, plan_id: uuid.UUID
) -> Plan:
    """The plan, unless it is archived (409 `plan_not_on_sale`)."""
    plan = await plans.plan_by_id(session, organization_id, plan_id)
    if plan.archived_at is not None:
        raise PlanNotOnSale()
    return plan


async def insert_order(session: AsyncSession, order: Order) -> None:
    """Write a new order; a second intro offer for the member is 409
    `intro_offer_already_used`."""
    try:
        async with session.begin_nested():
            await repository.add(session, order)
    except IntegrityError as exc:
        if _constraint_of(exc) != INTRO_OFFER_INDEX:
            raise
        raise IntroOfferUsed() from exc


async def grant_order(
    session: AsyncSession, organization: Organization, order: Order, plan: Plan, *, at: datetime
) -> None:
    """Grant what the plan sells from `at` (when it was paid), naming the order as the
    source."""
    if plan.kind == "class_pack":
        order.granted_lot_id = await _grant_credits(session, organization, order, plan, at)
    else:
        membership = await memberships.grant(
            session,
            organization=organization,
            member_id=order.member_id,
            plan=plan,
            source=order_source(order),
            at=at,
            subscription_id=order.subscription_id,
        )
        order.granted_membership_id = membership.id
    await session.flush()


async def _grant_credits(
    session: AsyncSession, organization: Organization, order: Order, plan: Plan, at: datetime
) -> uuid.UUID:
    """A lot of the pack's credits, expiring at the end of its last local day counted
    from purchase, or (for packs that start on first use) that many days after it."""
    if plan.credit_units is None or plan.validity_days is None:
        raise ValueError("a class pack has credits and a validity")
    from_purchase = plan.validity_starts == "purchase"
    window = validity_window(at, timezone=organization.timezone, days=plan.validity_days)
    lot = await credits.grant(
        session,
        organization_id=organization.id,
        member_id=order.member_id,
        units=plan.credit_units,
        source=order_source(order),
        expires_at=window[1] if from_purchase else None,
        valid_days_after_first_use=None if from_purchase else plan.validity_days,
        class_type_ids=plan.class_type_ids,
    )
    return lot.id


async def orders(
    session: AsyncSession, actor: Actor, *, member_id: uuid.UUID | None, params: PageParams
) -> Page[OrderRead]:
    """The studio's orders with their refunds, newest first, optionally one member's
    (receptionist+)."""
    require(actor, Action.view_orders)
    rows, cursor = await repository.page(
        session, actor.organization_id, member_id=member_id, params=params
    )
    found: list[Order] = [row[0] for row in rows]
    refunds = await repository.refunds_of_orders(session, (order.id for order in found))
    items = [_read(order, refunds.get(order.id, [])) for order in found]
    return Page(items=items, next_cursor=cursor)


async def order(session: AsyncSession, actor: Actor, order_id: uuid.UUID) -> OrderRead:
    """One order with its refunds (receptionist+)."""
    require(actor, Action.view_orders)
    found = await repository.by_id(session, actor.organization_id, order_id)
    if found is None:
        raise OrderNotFound()
    return await read(session, found)


async def read(session: AsyncSession, order: Order) -> OrderRead:
    refunds = await repository.refunds_of_orders(session, [order.id])
    return _read(order, refunds.get(order.id, []))


def _read(order: Order, refunds: Sequence[OrderRefund]) -> OrderRead:
    return OrderRead.model_validate(order).model_copy(
        update={"refunds": [RefundRead.model_validate(row) for row in refunds]}
    )
