"""Bookings charged at the same moment, with real commits on separate connections: a
weekly cap holds, and one booking sent twice at once is paid once."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.config import DatabaseSettings
from fitflow.credits.models import CreditEntry
from fitflow.entitlements import service
from fitflow.entitlements.errors import PaymentRequired
from fitflow.entitlements.models import Charge
from fitflow.entitlements.schemas import ChargeRead, ClassTerms
from fitflow.kit.db import Database
from fitflow.kit.source import Source
from fitflow.memberships.models import Membership
from fitflow.organizations import service as organizations
from fitflow.organizations.models import Organization
from tests.entitlements.conftest import CREDIT, Desk, berlin, booking, yoga
from tests.factories import staffed_studio

ATTEMPTS = 10
CAP = 3
Pay = Callable[[AsyncSession, Desk, ClassTerms, Source, asyncio.Barrier], Awaitable[None]]


@pytest.fixture
async def wide_database(committed_database: Database, database_url: str) -> AsyncIterator[Database]:
    """A pool with a connection for every attempt, so they really run at once."""
    database = Database.connect(database_url, DatabaseSettings(pool_size=ATTEMPTS, max_overflow=0))
    yield database
    await database.dispose()


@pytest.fixture
async def desk(
    clock: datetime, committed_client: httpx.AsyncClient, wide_database: Database
) -> Desk:
    return Desk(committed_client, wide_database, await staffed_studio(committed_client))


async def _organization(session: AsyncSession, desk: Desk) -> Organization:
    organization = await organizations.by_slug(session, desk.studio.slug)
    assert organization is not None
    return organization


async def safe_charge(
    session: AsyncSession, desk: Desk, terms: ClassTerms, source: Source, start: asyncio.Barrier
) -> None:
    organization = await _organization(session, desk)
    await start.wait()  # every attempt has its connection: they charge at once
    await service.charge(
        session,
        organization=organization,
        member_id=desk.member_id,
        terms=terms,
        source=source,
    )


async def unlocked_charge(
    session: AsyncSession, desk: Desk, terms: ClassTerms, source: Source, start: asyncio.Barrier
) -> None:
    """The negative control: quote without locks, then record the use as charge would,
    once every attempt has quoted."""
    organization = await _organization(session, desk)
    await start.wait()
    quoted = await service.quote(
        session, organization=organization, member_id=desk.member_id, terms=terms
    )
    if quoted.method != "membership":
        raise PaymentRequired(data=quoted.model_dump(mode="json"))
    await asyncio.sleep(0.2)  # think: the others quote meanwhile
    await session.execute(
        update(Membership)
        .where(Membership.id == quoted.membership_id)
        .values(classes_used=Membership.classes_used + 1)
    )
    session.add(
        Charge(
            organization_id=organization.id,
            member_id=desk.member_id,
            source_type=source.kind,
            source_id=source.id,
            method="membership",
            membership_id=quoted.membership_id,
            class_type_id=terms.class_type_id,
            session_starts_at=terms.starts_at,
        )
    )


async def race(desk: Desk, pay: Pay) -> list[bool]:
    """Each attempt books a different class of the same week; True where it was paid."""
    start = asyncio.Barrier(ATTEMPTS)

    async def attempt(number: int) -> bool:
        terms = yoga(berlin(17 + number % 5, 7 + number))
        async with desk.database.sessions() as session:
            try:
                await pay(session, desk, terms, booking(f"race-{number}"), start)
            except PaymentRequired:
                await session.rollback()
                return False
            await session.commit()
            return True

    async with asyncio.timeout(60):
        return list(await asyncio.gather(*(attempt(number) for number in range(ATTEMPTS))))


async def live_uses(database: Database, membership_id: uuid.UUID) -> int:
    async with database.sessions() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(Charge)
            .where(Charge.membership_id == membership_id, Charge.released_at.is_(None))
        )
        return int(count or 0)


async def test_ten_concurrent_charges_against_a_weekly_cap_of_three_pay_exactly_three(
    desk: Desk,
) -> None:
    membership_id = await desk.unlimited(weekly_class_cap=CAP)
    outcomes = await race(desk, safe_charge)
    assert outcomes.count(True) == CAP
    assert outcomes.count(False) == ATTEMPTS - CAP
    assert await live_uses(desk.database, membership_id) == CAP
    assert (await desk.membership(membership_id)).classes_used == CAP


async def test_the_race_catches_a_charge_that_takes_no_lock(desk: Desk) -> None:
    """Negative control: the same race with an unlocked quote-then-write goes over the
    cap, so a pass of the test above means the locks work, not that no race happened."""
    membership_id = await desk.unlimited(weekly_class_cap=CAP)
    outcomes = await race(desk, unlocked_charge)
    assert outcomes.count(True) > CAP
    assert await live_uses(desk.database, membership_id) > CAP


async def _twice_at_once(desk: Desk, terms: ClassTerms) -> tuple[ChargeRead, ChargeRead]:
    source = booking("sent-twice")

    async def charge() -> ChargeRead:
        async with desk.database.sessions() as session:
            paid = await service.charge(
                session,
                organization=await _organization(session, desk),
                member_id=desk.member_id,
                terms=terms,
                source=source,
            )
            await session.commit()
            return paid

    first, second = await asyncio.gather(charge(), charge())
    return first, second


async def test_one_booking_charged_twice_at_once_takes_its_credits_once(desk: Desk) -> None:
    lot_id = await desk.pack()
    first, second = await _twice_at_once(desk, yoga(berlin(17, 10)))
    assert first == second == ChargeRead(method="credits", membership_id=None, credit_units=CREDIT)
    assert await desk.remaining(lot_id) == 10 * CREDIT - CREDIT
    assert len(await desk.charges()) == 1
    async with desk.database.sessions() as session:
        consumed = (
            await session.scalars(
                select(CreditEntry.units).where(
                    CreditEntry.member_id == desk.member_id, CreditEntry.kind == "consume"
                )
            )
        ).all()
    assert consumed == [-CREDIT]


async def test_one_free_booking_charged_twice_at_once_is_written_once(desk: Desk) -> None:
    first, second = await _twice_at_once(desk, yoga(berlin(17, 10), units=0))
    assert first == second == ChargeRead(method="credits", membership_id=None, credit_units=0)
    assert len(await desk.charges()) == 1


async def test_one_booking_charged_twice_at_once_uses_a_membership_once(desk: Desk) -> None:
    membership_id = await desk.unlimited(weekly_class_cap=CAP)
    first, second = await _twice_at_once(desk, yoga(berlin(17, 10)))
    assert first == second
    assert first.membership_id == membership_id
    assert (await desk.membership(membership_id)).classes_used == 1
