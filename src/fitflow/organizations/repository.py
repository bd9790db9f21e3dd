"""Every query of the organizations domain."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.auth.models import User
from fitflow.kit.pagination import PageParams, keyset_page
from fitflow.members.models import Member
from fitflow.organizations.models import Organization, StaffMember


async def by_slug(session: AsyncSession, slug: str) -> Organization | None:
    organization: Organization | None = await session.scalar(
        select(Organization).where(Organization.slug == slug)
    )
    return organization


async def for_update(session: AsyncSession, organization_id: uuid.UUID) -> Organization:
    """The studio row, locked: staff role changes take it so that two concurrent
    demotions cannot leave a studio without an owner."""
    organization: Organization = (
        await session.scalars(
            select(Organization).where(Organization.id == organization_id).with_for_update()
        )
    ).one()
    return organization


async def oldest(session: AsyncSession, limit: int) -> Sequence[Organization]:
    return (
        await session.scalars(select(Organization).order_by(Organization.created_at).limit(limit))
    ).all()


async def slug_exists(session: AsyncSession, slug: str) -> bool:
    found = await session.scalar(select(Organization.id).where(Organization.slug == slug))
    return found is not None


async def add(session: AsyncSession, organization: Organization) -> Organization:
    session.add(organization)
    await session.flush()
    return organization


async def staff_by_id(
    session: AsyncSession, organization_id: uuid.UUID, staff_id: uuid.UUID
) -> StaffMember | None:
    staff: StaffMember | None = await session.scalar(
        select(StaffMember).where(
            StaffMember.organization_id == organization_id, StaffMember.id == staff_id
        )
    )
    return staff


async def staff_by_user(
    session: AsyncSession, organization_id: uuid.UUID, user_id: uuid.UUID
) -> StaffMember | None:
    staff: StaffMember | None = await session.scalar(
        select(StaffMember).where(
            StaffMember.organization_id == organization_id, StaffMember.user_id == user_id
        )
    )
    return staff


async def add_staff(session: AsyncSession, staff: StaffMember) -> StaffMember:
    session.add(staff)
    await session.flush()
    return staff


async def remove_staff(session: AsyncSession, staff: StaffMember) -> None:
    await session.delete(staff)
    await session.flush()


async def count_owners(session: AsyncSession, organization_id: uuid.UUID) -> int:
    count = await session.scalar(
        select(func.count()).where(
            StaffMember.organization_id == organization_id, StaffMember.role == "owner"
        )
    )
    return int(count or 0)


async def staff_page(
    session: AsyncSession, organization_id: uuid.UUID, params: PageParams
) -> tuple[list[Any], str | None]:
    """Rows of (StaffMember, User), oldest first."""
    query = (
        select(StaffMember, User)
        .join(User, User.id == StaffMember.user_id)
        .where(StaffMember.organization_id == organization_id)
    )
    return await keyset_page(
        session, query, key=(StaffMember.created_at, StaffMember.id), params=params
    )


async def staff_roles_of_user(
    session: AsyncSession, user_id: uuid.UUID
) -> Sequence[tuple[Organization, str]]:
    rows = await session.execute(
        select(Organization, StaffMember.role)
        .join(StaffMember, StaffMember.organization_id == Organization.id)
        .where(StaffMember.user_id == user_id)
    )
    return [(organization, role) for organization, role in rows]


async def roles_of(
    session: AsyncSession, organization_id: uuid.UUID, user_id: uuid.UUID
) -> set[str]:
    """The user's roles in the studio, staff role and active membership, in one query."""
    staff = select(StaffMember.role.label("role")).where(
        StaffMember.organization_id == organization_id, StaffMember.user_id == user_id
    )
    member = select(literal("member").label("role")).where(
        Member.organization_id == organization_id,
        Member.user_id == user_id,
        Member.status == "active",
    )
    return set((await session.scalars(union_all(staff, member))).all())


async def by_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> Sequence[Organization]:
    if not ids:
        return []
    return (await session.scalars(select(Organization).where(Organization.id.in_(ids)))).all()
