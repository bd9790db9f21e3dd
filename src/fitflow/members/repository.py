"""Every query of the members domain."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.auth.models import User
from fitflow.kit.pagination import PageParams, keyset_page
from fitflow.members.models import Member


async def add(session: AsyncSession, member: Member) -> Member:
    session.add(member)
    await session.flush()
    return member


async def by_user(
    session: AsyncSession, organization_id: uuid.UUID, user_id: uuid.UUID
) -> Member | None:
    member: Member | None = await session.scalar(
        select(Member).where(Member.organization_id == organization_id, Member.user_id == user_id)
    )
    return member


async def with_user(
    session: AsyncSession, organization_id: uuid.UUID, member_id: uuid.UUID
) -> tuple[Member, User] | None:
    row = (
        await session.execute(
            select(Member, User)
            .join(User, User.id == Member.user_id)
            .where(Member.organization_id == organization_id, Member.id == member_id)
        )
    ).one_or_none()
    return (row[0], row[1]) if row else None


async def page(
    session: AsyncSession,
    organization_id: uuid.UUID,
    *,
    params: PageParams,
    search: str | None,
    status: str | None,
) -> tuple[list[Any], str | None]:
    """Rows of (Member, User), oldest member first, filtered by name/email and status."""
    query = (
        select(Member, User)
        .join(User, User.id == Member.user_id)
        .where(Member.organization_id == organization_id)
    )
    if search:
        pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(User.full_name.ilike(pattern), User.email.ilike(pattern)))
    if status:
        query = query.where(Member.status == status)
    return await keyset_page(session, query, key=(Member.created_at, Member.id), params=params)


async def organization_ids_of_user(session: AsyncSession, user_id: uuid.UUID) -> list[uuid.UUID]:
    rows = await session.scalars(
        select(Member.organization_id).where(Member.user_id == user_id, Member.status == "active")
    )
    return list(rows)
