"""Twenty desk sales at the same moment, with real commits on separate connections, one
of them rolled back after it was numbered: the invoices that remain are numbered 1..19,
with no gap and no number twice."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.config import DatabaseSettings
from fitflow.invoices import repository, service
from fitflow.invoices.models import Invoice, InvoiceCounter
from fitflow.kit.db import Database
from fitflow.organizations import service as organizations
from fitflow.organizations.permissions import Actor, Role
from fitflow.payments import repository as orders
from fitflow.payments import service as payments
from fitflow.payments.schemas import DeskOrderCreate
from tests.factories import Studio, account, staffed_studio

ATTEMPTS = 20
ROLLED_BACK = 7
HOLD = 0.3
NextNumber = Callable[[AsyncSession, uuid.UUID, str], Awaitable[int]]


@dataclass(frozen=True)
class Shop:
    """A studio with a member for every attempt, so that the sales share no member's
    locks and queue only where invoices are numbered."""

    studio: Studio
    organization_id: uuid.UUID
    member_ids: list[str]

    @property
    def receptionist(self) -> Actor:
        user_id = self.studio.accounts["receptionist"].user_id
        return Actor(user_id, self.organization_id, frozenset({Role.receptionist}))


@pytest.fixture
async def wide_database(committed_database: Database, database_url: str) -> AsyncIterator[Database]:
    """A pool with a connection for every attempt, so they really run at once."""
    database = Database.connect(database_url, DatabaseSettings(pool_size=ATTEMPTS, max_overflow=0))
    yield database
    await database.dispose()


async def open_shop(client: httpx.AsyncClient, database: Database) -> Shop:
    studio = await staffed_studio(client)
    member_ids = [studio.member_id]
    for _ in range(ATTEMPTS - 1):
        person = await account(client)
        joined = await client.post(f"/api/v1/orgs/{studio.slug}/join", headers=person.headers)
        assert joined.status_code == 201, joined.text
        member_ids.append(joined.json()["id"])
    async with database.sessions() as session:
        organization = await organizations.by_slug(session, studio.slug)
        assert organization is not None
        return Shop(studio, organization.id, member_ids)


async def race(database: Database, shop: Shop) -> tuple[list[int], int | None, int]:
    """Every member buys the pack at once, once attempt `ROLLED_BACK` has been numbered:
    it holds its number a moment, so that the others queue behind it, and is rolled back.
    The numbers committed, the number rolled back, and how many attempts failed."""
    numbered = asyncio.Event()

    async def attempt(index: int) -> int | None:
        if index != ROLLED_BACK:
            await asyncio.wait_for(numbered.wait(), timeout=30)
        async with database.sessions() as session:
            organization = (await organizations.by_ids(session, [shop.organization_id]))[
                shop.organization_id
            ]
            body = DeskOrderCreate(
                member_id=uuid.UUID(shop.member_ids[index]),
                plan_id=uuid.UUID(shop.studio.plan_id),
                method="cash",
            )
            sold = await payments.sell_at_desk(session, shop.receptionist, organization, body)
            invoice = await repository.invoice_of_order(session, shop.organization_id, sold.id)
            assert invoice is not None
            number = invoice.number
            if index == ROLLED_BACK:
                numbered.set()
                await asyncio.sleep(HOLD)
                await session.rollback()
                return -number
            await session.commit()
            return number

    async def guarded(index: int) -> int | None:
        try:
            return await attempt(index)
        except IntegrityError:
            return None

    outcomes = await asyncio.gather(*(guarded(index) for index in range(ATTEMPTS)))
    committed = sorted(n for n in outcomes if n is not None and n > 0)
    rolled_back = next((-n for n in outcomes if n is not None and n < 0), None)
    return committed, rolled_back, outcomes.count(None)


async def stored_numbers(database: Database, organization_id: uuid.UUID) -> list[int]:
    async with database.sessions() as session:
        rows = await session.scalars(
            select(Invoice.number)
            .where(Invoice.organization_id == organization_id, Invoice.kind == "invoice")
            .order_by(Invoice.number)
        )
        return list(rows)


async def test_concurrent_sales_with_one_rolled_back_are_numbered_without_gaps(
    committed_client: httpx.AsyncClient, wide_database: Database
) -> None:
    shop = await open_shop(committed_client, wide_database)
    committed, rolled_back, failed = await race(wide_database, shop)
    assert failed == 0
    assert committed == list(range(1, ATTEMPTS))
    # the rolled-back sale was numbered first; its number went back and another took it
    assert rolled_back == 1
    assert await stored_numbers(wide_database, shop.organization_id) == list(range(1, ATTEMPTS))
    async with wide_database.sessions() as session:
        last = await session.scalar(
            select(InvoiceCounter.last_number).where(
                InvoiceCounter.organization_id == shop.organization_id,
                InvoiceCounter.kind == "invoice",
            )
        )
    assert last == ATTEMPTS - 1


async def test_the_race_catches_numbering_that_takes_no_lock(
    committed_client: httpx.AsyncClient, wide_database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Negative control: numbering from the highest number issued, read without a lock,
    hands the same number to sales running together (the unique key then refuses them),
    so a pass of the test above means the counter works, not that nothing overlapped."""
    shop = await open_shop(committed_client, wide_database)

    async def unlocked(session: AsyncSession, organization_id: uuid.UUID, kind: str) -> int:
        highest = await session.scalar(
            select(func.coalesce(func.max(Invoice.number), 0)).where(
                Invoice.organization_id == organization_id, Invoice.kind == kind
            )
        )
        await asyncio.sleep(0.05)
        return int(highest or 0) + 1

    monkeypatch.setattr(repository, "next_number", unlocked)
    committed, _, failed = await race(wide_database, shop)
    assert failed > 0
    assert committed != list(range(1, ATTEMPTS))


async def test_two_issues_for_one_order_at_once_make_one_invoice_and_no_gap(
    committed_client: httpx.AsyncClient, wide_database: Database
) -> None:
    """The second call waits on the counter row, finds the first call's invoice once it
    commits, and gives its own number back."""
    shop = await open_shop(committed_client, wide_database)
    base = f"/api/v1/orgs/{shop.studio.slug}/orders"
    body = {"member_id": shop.member_ids[0], "plan_id": shop.studio.plan_id, "method": "cash"}
    owner = shop.studio.accounts["owner"]
    sold = await committed_client.post(base, headers=owner.headers, json=body)
    assert sold.status_code == 201, sold.text
    order_id = uuid.UUID(sold.json()["id"])
    async with wide_database.sessions() as session:  # an order paid before invoicing
        await session.execute(
            text("DELETE FROM invoices WHERE order_id = :order"), {"order": order_id}
        )
        await session.commit()
    async with wide_database.sessions() as first, wide_database.sessions() as second:
        order = await orders.by_id(first, shop.organization_id, order_id)
        assert order is not None
        issued = await service.issue_for_order(first, order)
        again = await orders.by_id(second, shop.organization_id, order_id)
        assert again is not None
        waiting = asyncio.create_task(service.issue_for_order(second, again))
        await asyncio.sleep(HOLD)
        assert not waiting.done()
        await first.commit()
        found = await waiting
        await second.commit()
    assert (found.id, found.number, issued.number) == (issued.id, 2, 2)
    later = await committed_client.post(base, headers=owner.headers, json=body)
    assert later.status_code == 201, later.text
    assert await stored_numbers(wide_database, shop.organization_id) == [2, 3]
