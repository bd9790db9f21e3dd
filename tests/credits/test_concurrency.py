"""Twenty members' devices charge one balance of five credits at the same moment, with
real commits on separate connections: exactly five charges succeed."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.config import DatabaseSettings
from fitflow.credits import service
from fitflow.credits.errors import InsufficientCredits
from fitflow.credits.models import CreditEntry, CreditLot
from fitflow.kit import time
from fitflow.kit.db import Database
from fitflow.kit.source import Source
from tests.credits.conftest import Holder, make_holder

ATTEMPTS = 20
CREDIT = 100
Charge = Callable[[AsyncSession, Holder, Source], Awaitable[None]]


@pytest.fixture
async def wide_database(committed_database: Database, database_url: str) -> AsyncIterator[Database]:
    """A pool with a connection for every attempt, so they really run at once."""
    database = Database.connect(database_url, DatabaseSettings(pool_size=ATTEMPTS, max_overflow=0))
    yield database
    await database.dispose()


async def safe_charge(session: AsyncSession, holder: Holder, source: Source) -> None:
    await service.take(
        session,
        organization_id=holder.organization_id,
        member_id=holder.member_id,
        units=CREDIT,
        at=time.now(),
        source=source,
    )


async def unlocked_charge(session: AsyncSession, holder: Holder, source: Source) -> None:
    """The negative control: read the balance without a lock, think, write it back."""
    lot = (
        await session.scalars(select(CreditLot).where(CreditLot.member_id == holder.member_id))
    ).one()
    seen = lot.remaining_units
    if seen < CREDIT:
        raise InsufficientCredits()
    await asyncio.sleep(0.05)
    await session.execute(
        update(CreditLot).where(CreditLot.id == lot.id).values(remaining_units=seen - CREDIT)
    )
    session.add(
        CreditEntry(
            organization_id=holder.organization_id,
            member_id=holder.member_id,
            lot_id=lot.id,
            kind="consume",
            units=-CREDIT,
            source_type=source.kind,
            source_id=source.id,
        )
    )


async def race(database: Database, holder: Holder, charge: Charge) -> int:
    async def attempt(number: int) -> bool:
        async with database.sessions() as session:
            try:
                await charge(session, holder, Source("booking", f"race-{number}"))
            except InsufficientCredits:
                await session.rollback()
                return False
            await session.commit()
            return True

    outcomes = await asyncio.gather(*(attempt(number) for number in range(ATTEMPTS)))
    return outcomes.count(True)


async def five_credits(client: httpx.AsyncClient, database: Database) -> Holder:
    holder = await make_holder(client)
    async with database.sessions() as session:
        await service.grant(
            session,
            organization_id=holder.organization_id,
            member_id=holder.member_id,
            units=5 * CREDIT,
            source=Source("order", str(uuid.uuid4())),
        )
        await session.commit()
    return holder


async def test_twenty_concurrent_charges_on_five_credits_succeed_exactly_five_times(
    committed_client: httpx.AsyncClient, wide_database: Database
) -> None:
    holder = await five_credits(committed_client, wide_database)
    assert await race(wide_database, holder, safe_charge) == 5
    async with wide_database.sessions() as session:
        assert (
            await service.balance(
                session,
                organization_id=holder.organization_id,
                member_id=holder.member_id,
                at=time.now(),
            )
            == 0
        )
        consumed = (
            await session.scalars(
                select(CreditEntry.units).where(
                    CreditEntry.member_id == holder.member_id, CreditEntry.kind == "consume"
                )
            )
        ).all()
    assert consumed == [-CREDIT] * 5


async def test_the_race_catches_a_charge_that_takes_no_lock(
    committed_client: httpx.AsyncClient, wide_database: Database
) -> None:
    """Negative control: the same race with an unlocked read-then-write overdraws, so a
    pass of the test above means the lock works, not that the race never happened."""
    holder = await five_credits(committed_client, wide_database)
    assert await race(wide_database, holder, unlocked_charge) > 5


async def test_the_same_charge_sent_twice_at_once_is_taken_once(
    committed_client: httpx.AsyncClient, wide_database: Database
) -> None:
    holder = await five_credits(committed_client, wide_database)
    source = Source("booking", "sent-twice")

    async def charge() -> list[uuid.UUID]:
        async with wide_database.sessions() as session:
            entries = await service.take(
                session,
                organization_id=holder.organization_id,
                member_id=holder.member_id,
                units=CREDIT,
                at=time.now(),
                source=source,
            )
            await session.commit()
            return [entry.id for entry in entries]

    first, second = await asyncio.gather(charge(), charge())
    assert first == second
    async with wide_database.sessions() as session:
        assert (
            await service.balance(
                session,
                organization_id=holder.organization_id,
                member_id=holder.member_id,
                at=time.now(),
            )
            == 4 * CREDIT
        )


async def test_the_same_grant_sent_twice_at_once_grants_once(
    committed_client: httpx.AsyncClient, wide_database: Database
) -> None:
    holder = await make_holder(committed_client)
    source = Source("order", "paid-twice")

    async def grant() -> uuid.UUID:
        async with wide_database.sessions() as session:
            lot = await service.grant(
                session,
                organization_id=holder.organization_id,
                member_id=holder.member_id,
                units=3 * CREDIT,
                source=source,
            )
            await session.commit()
            return lot.id

    first, second = await asyncio.gather(grant(), grant())
    assert first == second
    async with wide_database.sessions() as session:
        lots = (
            await session.scalars(select(CreditLot).where(CreditLot.member_id == holder.member_id))
        ).all()
    assert [lot.granted_units for lot in lots] == [3 * CREDIT]
