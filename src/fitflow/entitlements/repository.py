"""Every query of the entitlements domain."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.entitlements.models import Charge
from fitflow.kit.source import Source


async def add(session: AsyncSession, charge: Charge) -> None:
    session.add(charge)
    await session.flush()


async def for_source(
    session: AsyncSession, organization_id: uuid.UUID, source: Source, *, lock: bool = False
) -> Charge | None:
    query = select(Charge).where(
        Charge.organization_id == organization_id,
        Charge.source_type == source.kind,
        Charge.source_id == source.id,
    )
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    charge: Charge | None = await session.scalar(query)
    return charge


async def live_uses_between(
    session: AsyncSession, membership_id: uuid.UUID, start: datetime, end: datetime
) -> int:
    """Classes starting in `[start, end)` paid by the membership and not given back."""
    count = await session.scalar(
        select(func.count()).where(
            Charge.membership_id == membership_id,
            Charge.released_at.is_(None),
            Charge.session_starts_at >= start,
            Charge.session_starts_at < end,
        )
    )
    return int(count or 0)
