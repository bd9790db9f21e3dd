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
from fitflow.payments.models import Order, OrderRefund, PaymentEvent


async def add(session: AsyncSession, *rows: Order | OrderRefund) -> None:
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
