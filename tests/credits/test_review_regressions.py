"""Ledger rules found by review: stale counts, lock order, rounding, first use, members,
expiry dates."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select

from fitflow.config import DatabaseSettings
from fitflow.credits import service
from fitflow.credits.models import CreditEntry, CreditLot
from fitflow.kit import time
from fitflow.kit.db import Database
from fitflow.kit.source import Source
from tests.credits.conftest import Holder, make_holder


@pytest.fixture
async def pool(committed_database: Database, database_url: str) -> AsyncIterator[Database]:
    database = Database.connect(database_url, DatabaseSettings(pool_size=4, max_overflow=0))
    yield database
    await database.dispose()


async def _grant(db: Database, h: Holder, units: int, name: str, **extra: object) -> CreditLot:
    async with db.sessions() as session:
        lot = await service.grant(
            session,
            organization_id=h.organization_id,
            member_id=h.member_id,
            units=units,
            source=Source("order", name),
            **extra,  # type: ignore[arg-type]
        )
        await session.commit()
        return lot


async def _take(db: Database, h: Holder, units: int, name: str) -> None:
    async with db.sessions() as session:
        await service.take(
            session,
            organization_id=h.organization_id,
            member_id=h.member_id,
            units=units,
            at=time.now(),
            source=Source("booking", name),
        )
        await session.commit()


async def test_a_lot_read_earlier_in_the_transaction_is_never_charged_from_a_stale_count(
    committed_client: httpx.AsyncClient, pool: Database
) -> None:
    holder = await make_holder(committed_client)
    lot = await _grant(pool, holder, 500, "stale")
    async with pool.sessions() as session:
        await session.scalars(select(CreditLot).where(CreditLot.id == lot.id))  # a plain read
        await _take(pool, holder, 100, "elsewhere")  # another transaction charges meanwhile
        await service.take(
            session,
            organization_id=holder.organization_id,
            member_id=holder.member_id,
            units=100,
            at=time.now(),
            source=Source("booking", "here"),
        )
        await session.commit()
    async with pool.sessions() as session:
        fresh = await session.get(CreditLot, lot.id)
        ledger = await session.scalar(
            select(func.sum(CreditEntry.units)).where(CreditEntry.lot_id == lot.id)
        )
    assert fresh is not None
    assert fresh.remaining_units == ledger == 300


async def test_a_refund_then_charge_and_a_charge_at_once_both_finish(
    committed_client: httpx.AsyncClient, pool: Database
) -> None:
    holder = await make_holder(committed_client)
    for name in ("a", "b", "c"):
        await _grant(pool, holder, 100, name)
    await _take(pool, holder, 100, "moved")

    async def move_booking() -> None:
        async with pool.sessions() as session:
            await service.refund(
                session,
                organization_id=holder.organization_id,
                source=Source("booking", "moved"),
                percent=100,
            )
            await asyncio.sleep(0.1)
            await service.take(
                session,
                organization_id=holder.organization_id,
                member_id=holder.member_id,
                units=100,
                at=time.now(),
                source=Source("booking", "moved-to"),
            )
            await session.commit()

    async def book() -> None:
        await asyncio.sleep(0.05)
        await _take(pool, holder, 100, "other")

    await asyncio.gather(move_booking(), book())
    async with pool.sessions() as session:
        left = await service.balance(
            session,
            organization_id=holder.organization_id,
            member_id=holder.member_id,
            at=time.now(),
        )
    assert left == 100


class TestRoundingFirstUseMembers:
    async def test_a_refund_rounds_once_over_the_whole_charge(
        self, database: Database, holder: Holder
    ) -> None:
        soon = time.now() + timedelta(days=1)
        await _grant(database, holder, 75, "first", expires_at=soon)
        await _grant(database, holder, 75, "second", expires_at=soon + timedelta(days=1))
        await _take(database, holder, 150, "one-and-a-half")
        async with database.sessions() as session:
            refunds = await service.refund(
                session,
                organization_id=holder.organization_id,
                source=Source("booking", "one-and-a-half"),
                percent=50,
            )
        assert sum(entry.units for entry in refunds) == 75

    async def test_a_staff_correction_does_not_start_a_first_use_pack(
        self, database: Database, holder: Holder, client: httpx.AsyncClient
    ) -> None:
        lot = await _grant(database, holder, 1000, "pack", valid_days_after_first_use=30)
        url = f"/api/v1/orgs/{holder.slug}/members/{holder.member_id}/credit-adjustments"
        taken = await client.post(
            url, headers=holder.owner.headers, json={"units": -50, "reason": "correction"}
        )
        assert taken.status_code == 201
        async with database.sessions() as session:
            unused = await session.get(CreditLot, lot.id, populate_existing=True)
        assert unused is not None
        assert unused.expires_at is None

    @pytest.mark.parametrize("expires_at", ["2020-01-01T00:00:00Z", "9999-12-31T23:00:00-05:00"])
    async def test_an_expiry_in_the_past_or_far_future_is_refused(
        self, client: httpx.AsyncClient, holder: Holder, expires_at: str
    ) -> None:
        url = f"/api/v1/orgs/{holder.slug}/members/{holder.member_id}/credit-adjustments"
        response = await client.post(
            url,
            headers=holder.owner.headers,
            json={"units": 100, "reason": "gift", "expires_at": expires_at},
        )
        assert response.status_code == 422
        mine = await client.get(
            f"/api/v1/orgs/{holder.slug}/me/credits", headers=holder.member.headers
        )
        assert mine.status_code == 200
        assert mine.json()["lots"] == []
