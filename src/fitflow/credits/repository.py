"""Every query of the credit ledger."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.credits.models import CreditEntry, CreditLot
from fitflow.kit.pagination import PageParams, keyset_page
from fitflow.kit.source import Source, written_for


async def add(session: AsyncSession, *rows: CreditLot | CreditEntry) -> None:
    session.add_all(rows)
    await session.flush()


async def lot_for_source(
    session: AsyncSession, organization_id: uuid.UUID, source: Source
) -> CreditLot | None:
    lot: CreditLot | None = await session.scalar(written_for(CreditLot, organization_id, source))
    return lot


async def lots_with_credit_for_update(
    session: AsyncSession, organization_id: uuid.UUID, member_id: uuid.UUID
) -> Sequence[CreditLot]:
    """The member's lots that still hold credits, locked in id order (one order for
    every writer, so two charges for one member queue instead of deadlocking)."""
    return (
        await session.scalars(
            select(CreditLot)
            .where(
                CreditLot.organization_id == organization_id,
                CreditLot.member_id == member_id,
                CreditLot.remaining_units > 0,
            )
            .order_by(CreditLot.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).all()


async def lots_for_update(
    session: AsyncSession, ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, CreditLot]:
    rows = await session.scalars(
        select(CreditLot)
        .where(CreditLot.id.in_(sorted(set(ids))))
        .order_by(CreditLot.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {lot.id: lot for lot in rows}


async def entries_for_source(
    session: AsyncSession, organization_id: uuid.UUID, source: Source, kind: str
) -> Sequence[CreditEntry]:
    query = written_for(CreditEntry, organization_id, source).where(CreditEntry.kind == kind)
    return (await session.scalars(query.order_by(CreditEntry.created_at, CreditEntry.id))).all()


def _counts_at(at: datetime) -> Any:
    """A lot counts until its expiry; one that starts on first use counts until used."""
    return or_(CreditLot.expires_at.is_(None), CreditLot.expires_at > at)


async def balance(
    session: AsyncSession, organization_id: uuid.UUID, member_id: uuid.UUID, at: datetime
) -> int:
    total = await session.scalar(
        select(func.coalesce(func.sum(CreditLot.remaining_units), 0)).where(
            CreditLot.organization_id == organization_id,
            CreditLot.member_id == member_id,
            _counts_at(at),
        )
    )
    return int(total or 0)


async def lots_of(
    session: AsyncSession, organization_id: uuid.UUID, member_id: uuid.UUID
) -> Sequence[CreditLot]:
    return (
        await session.scalars(
            select(CreditLot)
            .where(CreditLot.organization_id == organization_id, CreditLot.member_id == member_id)
            .order_by(CreditLot.created_at, CreditLot.id)
        )
    ).all()


async def entries_page(
    session: AsyncSession, organization_id: uuid.UUID, member_id: uuid.UUID, params: PageParams
) -> tuple[list[Any], str | None]:
    query = select(CreditEntry).where(
        CreditEntry.organization_id == organization_id, CreditEntry.member_id == member_id
    )
    return await keyset_page(
        session,
        query,
        key=(CreditEntry.created_at, CreditEntry.id),
        params=params,
        newest_first=True,
    )


async def expired_with_credit(
    session: AsyncSession, at: datetime, limit: int
) -> Sequence[CreditLot]:
    """Lots past their expiry that still hold credits, locked; lots another worker holds
    are skipped."""
    return (
        await session.scalars(
            select(CreditLot)
            .where(CreditLot.remaining_units > 0, CreditLot.expires_at <= at)
            .order_by(CreditLot.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
    ).all()


async def lock_member_credits(session: AsyncSession, member_id: uuid.UUID) -> None:
    """Serialise every charge and refund of one member for the transaction: taken first,
    it gives all writers one lock order, so a refund-then-charge cannot deadlock a charge.
    (Row locks read with populate_existing, so counts are never stale in the session.)"""
    await session.execute(
        select(func.pg_advisory_xact_lock(func.hashtextextended(f"credits\x1f{member_id}", 0)))
    )
