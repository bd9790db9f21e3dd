"""Every query of the plans domain."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.kit.pagination import PageParams, keyset_page
from fitflow.plans.models import Plan


async def add(session: AsyncSession, plan: Plan) -> Plan:
    session.add(plan)
    await session.flush()
    return plan


async def by_id(
    session: AsyncSession, organization_id: uuid.UUID, plan_id: uuid.UUID
) -> Plan | None:
    plan: Plan | None = await session.scalar(
        select(Plan).where(Plan.organization_id == organization_id, Plan.id == plan_id)
    )
    return plan


async def on_sale(
    session: AsyncSession, organization_id: uuid.UUID, *, params: PageParams
) -> tuple[list[Any], str | None]:
    """The studio's plans not archived, oldest first."""
    query = select(Plan).where(Plan.organization_id == organization_id, Plan.archived_at.is_(None))
    return await keyset_page(session, query, key=(Plan.created_at, Plan.id), params=params)


async def drop_ins_on_sale(session: AsyncSession, organization_id: uuid.UUID) -> Sequence[Plan]:
    """Drop-in plans not archived and not intro offers, cheapest first."""
    return (
        await session.scalars(
            select(Plan)
            .where(
                Plan.organization_id == organization_id,
                Plan.kind == "drop_in",
                Plan.archived_at.is_(None),
                Plan.intro_offer.is_(False),
            )
            .order_by(Plan.price_minor, Plan.created_at, Plan.id)
        )
    ).all()
