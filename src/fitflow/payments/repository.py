"""Every query of the payments domain."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.kit.db import locking
from fitflow.kit.pagination import PageParams, keyset_page
from fitflow.payments.models import Order, OrderRefund, PaymentEvent, Subscription


async def add(session: AsyncSession, *rows: Order | OrderRefund | Subscription) -> None:
    session.add_all(rows)
    await session.flush()


async def by_id(
    session: AsyncSession, organization_id: uuid.UUID, order_id: uuid.UUID, *, lock: bool = False
) -> Order | None:
    query = select(Order).where(Order.organization_id == organization_id, Order.id == order_id)
    order: Order | None = await session.scalar(locking(query, lock))
    return order


async def refunds_of_orders(
    session: AsyncSession, order_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[OrderRefund]]:
    """The refunds of several orders at once, oldest first, by order."""
    rows = await session.scalars(
        select(OrderRefund)
        .where(OrderRefund.order_id.in_(list(order_ids)))
        .order_by(OrderRefund.created_at, OrderRefund.id)
    )
    found: dict[uuid.UUID, list[OrderRefund]] = {}
    for refund in rows:
        found.setdefault(refund.order_id, []).append(refund)
    return found


async def page(
    session: AsyncSession,
    organization_id: uuid.UUID,
    *,
    member_id: uuid.UUID | None,
    params: PageParams,
) -> tuple[list[Any], str | None]:
    """The studio's orders, newest first, optionally one member's."""
    query = select(Order).where(Order.organization_id == organization_id)
    if member_id is not None:
        query = query.where(Order.member_id == member_id)
    return await keyset_page(
        session, query, key=(Order.created_at, Order.id), params=params, newest_first=True
    )


async def open_checkout(
    session: AsyncSession,
    organization_id: uuid.UUID,
    member_id: uuid.UUID,
    plan_id: uuid.UUID,
    *,
    open_after: datetime,
) -> Order | None:
    """The member's unpaid checkout for this plan that stays open past `open_after`."""
    order: Order | None = await session.scalar(
        select(Order)
        .where(
            Order.organization_id == organization_id,
            Order.member_id == member_id,
            Order.plan_id == plan_id,
            Order.status == "pending",
            Order.flag.is_(None),
            Order.checkout_expires_at > open_after,
        )
        .order_by(Order.created_at.desc())
        .limit(1)
    )
    return order


async def open_checkout_of_booking(
    session: AsyncSession,
    organization_id: uuid.UUID,
    booking_id: uuid.UUID,
    *,
    open_after: datetime,
) -> Order | None:
    """The unpaid checkout that pays for this held spot, while it stays open."""
    order: Order | None = await session.scalar(
        select(Order).where(
            Order.organization_id == organization_id,
            Order.booking_id == booking_id,
            Order.status == "pending",
            Order.checkout_expires_at > open_after,
        )
    )
    return order


async def by_provider_ref(
    session: AsyncSession, provider: str, *, checkout_ref: str | None, payment_ref: str | None
) -> Order | None:
    """The order a provider's checkout or payment belongs to, locked."""
    if checkout_ref is None and payment_ref is None:
        return None
    column, value = (
        (Order.checkout_ref, checkout_ref) if checkout_ref else (Order.payment_ref, payment_ref)
    )
    order: Order | None = await session.scalar(
        select(Order).where(Order.provider == provider, column == value).with_for_update()
    )
    return order


async def refund_by_provider_ref(session: AsyncSession, provider_ref: str) -> OrderRefund | None:
    found: OrderRefund | None = await session.scalar(
        select(OrderRefund).where(OrderRefund.provider_ref == provider_ref)
    )
    return found


async def refund_by_id(session: AsyncSession, refund_id: uuid.UUID) -> OrderRefund | None:
    found: OrderRefund | None = await session.scalar(
        select(OrderRefund).where(OrderRefund.id == refund_id).with_for_update()
    )
    return found


async def store_event(session: AsyncSession, event: PaymentEvent) -> bool:
    """Keep a provider's event once by its id; False when it was already kept."""
    inserted = await session.scalar(
        insert(PaymentEvent)
        .values(
            id=event.id,
            provider=event.provider,
            type=event.type,
            created_at=event.created_at,
            payload=event.payload,
            account_id=event.account_id,
            organization_id=event.organization_id,
        )
        .on_conflict_do_nothing(index_elements=[PaymentEvent.id])
        .returning(PaymentEvent.id)
    )
    return inserted is not None


async def event_for_update(session: AsyncSession, event_id: str) -> PaymentEvent | None:
    found: PaymentEvent | None = await session.scalar(
        select(PaymentEvent).where(PaymentEvent.id == event_id).with_for_update()
    )
    return found


async def subscription_by_ref(
    session: AsyncSession, provider: str, provider_ref: str
) -> Subscription | None:
    """A subscription by the provider's id, locked."""
    query = select(Subscription).where(
        Subscription.provider == provider, Subscription.provider_ref == provider_ref
    )
    found: Subscription | None = await session.scalar(locking(query))
    return found


async def subscription_by_id(
    session: AsyncSession, subscription_id: uuid.UUID, *, lock: bool = False
) -> Subscription | None:
    query = select(Subscription).where(Subscription.id == subscription_id)
    found: Subscription | None = await session.scalar(locking(query, lock))
    return found


async def subscriptions_of_member(
    session: AsyncSession, organization_id: uuid.UUID, member_id: uuid.UUID
) -> list[Subscription]:
    """A member's subscriptions, newest first (a member has a handful at most)."""
    rows = await session.scalars(
        select(Subscription)
        .where(Subscription.organization_id == organization_id, Subscription.member_id == member_id)
        .order_by(Subscription.created_at.desc(), Subscription.id)
    )
    return list(rows)


async def subscription_in(
    session: AsyncSession, organization_id: uuid.UUID, subscription_id: uuid.UUID
) -> Subscription | None:
    """A subscription of this studio, locked."""
    query = select(Subscription).where(
        Subscription.organization_id == organization_id, Subscription.id == subscription_id
    )
    found: Subscription | None = await session.scalar(locking(query))
    return found


async def live_subscription_of(
    session: AsyncSession, organization_id: uuid.UUID, member_id: uuid.UUID
) -> Subscription | None:
    """The member's subscription that may still charge: active, in its grace period, or
    suspended (the provider may still collect it) until the provider ends it."""
    found: Subscription | None = await session.scalar(
        select(Subscription)
        .where(
            Subscription.organization_id == organization_id,
            Subscription.member_id == member_id,
            Subscription.status.in_(("active", "past_due", "suspended")),
        )
        .limit(1)
    )
    return found


async def by_invoice_ref(session: AsyncSession, provider: str, invoice_ref: str) -> Order | None:
    found: Order | None = await session.scalar(
        select(Order).where(Order.provider == provider, Order.invoice_ref == invoice_ref)
    )
    return found


async def first_order_of(session: AsyncSession, subscription: Subscription) -> Order | None:
    """The order whose checkout started the subscription (not locked: the order is taken
    before the subscription, never after)."""
    query = (
        select(Order)
        .where(
            Order.organization_id == subscription.organization_id,
            Order.subscription_id == subscription.id,
            Order.invoice_ref.is_(None),
        )
        .limit(1)
    )
    found: Order | None = await session.scalar(query)
    return found


async def past_grace_ids(session: AsyncSession, at: datetime, batch: int) -> list[uuid.UUID]:
    """Subscriptions still unpaid when their grace period ended by `at`."""
    rows = await session.scalars(
        select(Subscription.id)
        .where(Subscription.status == "past_due", Subscription.grace_until <= at)
        .order_by(Subscription.grace_until)
        .limit(batch)
    )
    return list(rows)
