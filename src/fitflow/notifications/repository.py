"""Every query of the notifications domain."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.notifications.models import OutboundEmail


async def add(session: AsyncSession, email: OutboundEmail) -> OutboundEmail:
    session.add(email)
    await session.flush()
    return email


async def for_update(session: AsyncSession, email_id: uuid.UUID) -> OutboundEmail | None:
    """The email, locked so that two runs of its delivery job cannot both send it."""
    return await session.get(OutboundEmail, email_id, with_for_update=True)


async def newest(session: AsyncSession, limit: int) -> Sequence[OutboundEmail]:
    return (
        await session.scalars(
            select(OutboundEmail).order_by(OutboundEmail.created_at.desc()).limit(limit)
        )
    ).all()


async def purge_finished_before(session: AsyncSession, before: datetime) -> int:
    """Remove delivered, kept and failed emails created before `before`."""
    result = await session.execute(
        delete(OutboundEmail).where(
            OutboundEmail.created_at < before, OutboundEmail.status != "queued"
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
