"""Every query of the classes domain."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.classes.models import ClassType, Location
from fitflow.kit.pagination import PageParams, keyset_page

Row = TypeVar("Row", ClassType, Location)


async def add(session: AsyncSession, row: ClassType | Location) -> None:
    session.add(row)
    await session.flush()


async def by_id(
    session: AsyncSession, model: type[Row], organization_id: uuid.UUID, row_id: uuid.UUID
) -> Row | None:
    found: Row | None = await session.scalar(
        select(model).where(model.organization_id == organization_id, model.id == row_id)
    )
    return found


async def active_page(
    session: AsyncSession, model: type[Row], organization_id: uuid.UUID, params: PageParams
) -> tuple[list[Any], str | None]:
    """The studio's rows not archived, oldest first."""
    query = select(model).where(
        model.organization_id == organization_id, model.archived_at.is_(None)
    )
    return await keyset_page(session, query, key=(model.created_at, model.id), params=params)


async def active_class_type_ids(
    session: AsyncSession, organization_id: uuid.UUID, ids: Iterable[uuid.UUID]
) -> set[uuid.UUID]:
    rows = await session.scalars(
        select(ClassType.id).where(
            ClassType.organization_id == organization_id,
            ClassType.id.in_(list(ids)),
            ClassType.archived_at.is_(None),
        )
    )
    return set(rows)
