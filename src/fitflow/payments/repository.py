"""Every query of the payments domain."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.kit.db import locking
from fitflow.kit.pagination import PageParams, keyset_page
from fitflow.payments.models import Order, OrderRefund


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
