"""Every query of the entitlements domain."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.entitlements.models import Charge
from fitflow.kit.db import locking
from fitflow.kit.source import Source, written_for


async def add(session: AsyncSession, charge: Charge) -> None:
    session.add(charge)
    await session.flush()


async def lock_source(session: AsyncSession, organization_id: uuid.UUID, source: Source) -> None:
    """Serialise charging and refunding one source for the transaction: a twin sent at
    once waits here, then finds the first one's charge instead of writing its own."""
    key = f"entitlements\x1f{organization_id}\x1f{source.kind}\x1f{source.id}"
    await session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))


async def for_source(
    session: AsyncSession, organization_id: uuid.UUID, source: Source, *, lock: bool = False
) -> Charge | None:
    charge: Charge | None = await session.scalar(
        locking(written_for(Charge, organization_id, source), lock)
    )
    return charge
