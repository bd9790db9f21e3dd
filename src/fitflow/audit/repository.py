from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.audit.models import AuditEntry
from fitflow.kit.pagination import PageParams, keyset_page


async def add(session: AsyncSession, entry: AuditEntry) -> None:
    session.add(entry)
    await session.flush()


async def page_for_organization(
    session: AsyncSession, organization_id: uuid.UUID, *, params: PageParams, action: str | None
) -> tuple[list[Any], str | None]:
    """The studio's entries, newest first."""
    query = select(AuditEntry).where(AuditEntry.organization_id == organization_id)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    return await keyset_page(
        session, query, key=(AuditEntry.created_at, AuditEntry.id), params=params, newest_first=True
    )
