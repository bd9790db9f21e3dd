"""What caused a change that must happen once: a booking's charge, an order's grant, a
staff adjustment. Writers keyed by a source are idempotent, so running one twice for the
same source changes nothing."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

Row = TypeVar("Row")


@dataclass(frozen=True)
class Source:
    kind: str
    id: str


def written_for(model: Any, organization_id: uuid.UUID, source: Source) -> Select[Any]:
    """The query for the rows of `model` (a mapped class with `organization_id`,
    `source_type` and `source_id`) that a studio wrote for `source`."""
    return select(model).where(
        model.organization_id == organization_id,
        model.source_type == source.kind,
        model.source_id == source.id,
    )


async def add_once(
    session: AsyncSession, row: Row, written: Callable[[], Awaitable[Row | None]]
) -> Row:
    """Insert `row`, the one write for its source; when a concurrent writer committed
    that write first (the unique key on the source refuses this one), the committed row
    from `written()` is returned instead and this transaction carries on."""
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError:
        winner = await written()
        if winner is None:
            raise
        return winner
    return row
