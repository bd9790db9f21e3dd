"""A studio's desk for order tests: plans, sales, refunds, voids and credit adjustments go
through the API as the staff member who would do them; a class paid by a membership goes
through the entitlement service the way the booking engine will. The clock is frozen on a
Monday morning in Berlin."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from fitflow.app import create_app
from fitflow.config import Settings, use_settings
from fitflow.entitlements import service as entitlements
from fitflow.entitlements.schemas import ChargeRead, ClassTerms
from fitflow.kit import time
from fitflow.kit.db import Database, use_database
from fitflow.kit.source import Source
from fitflow.organizations import service as organizations
from tests.conftest import make_settings, truncate_all
from tests.factories import (
    MONTHLY,
    TEN_PACK,
    Account,
    Studio,
    login,
    staffed_studio,
    studio_with_sale,
)
from tests.payments.online import WEBHOOK_SECRET, Shop
from tests.payments.stripe_loopback import StripeLoopback

BERLIN = ZoneInfo("Europe/Berlin")
CREDIT = 100
DROP_IN = {
    "kind": "drop_in",
    "name": "Drop-in",
    "price_minor": 1500,
    "non_member_price_minor": 2000,
}
__all__ = ["BERLIN", "CREDIT", "DROP_IN", "MONTHLY", "NOW", "TEN_PACK", "Desk", "berlin"]


def berlin(month: int, day: int, hour: int = 0, minute: int = 0, *, year: int = 2026) -> datetime:
    """A wall-clock time in the studio's zone (2026-11-16 is a Monday)."""
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


NOW = berlin(11, 16, 8)


@pytest.fixture
def clock() -> Iterator[datetime]:
    with time.frozen(NOW):
        yield NOW


@dataclass
class Desk:
    """One member of a staffed studio, and the studio's staff at the desk."""

    client: httpx.AsyncClient
    database: Database
    studio: Studio

    @property
    def slug(self) -> str:
        return self.studio.slug

    @property
    def member_id(self) -> str:
        return self.studio.member_id

    @property
    def pack_id(self) -> str:
        """The studio's 10-credit pack (12000, 90 days from purchase)."""
        return self.studio.plan_id

    def headers(self, role: str) -> dict[str, str]:
        return self.studio.accounts[role].headers

    async def relogin(self, *roles: str) -> None:
        """Fresh tokens, once the clock has moved past the access tokens' lifetime."""
        for role in roles:
            old = self.studio.accounts[role]
            tokens = await login(self.client, old.email, old.password)
            self.studio.accounts[role] = Account(
                old.user_id,
                old.email,
                old.password,
                tokens["access_token"],
                tokens["refresh_token"],
            )

    def url(self, path: str) -> str:
        return f"/api/v1/orgs/{self.slug}{path}"

    async def plan(self, **body: Any) -> str:
        response = await self.client.post(
            self.url("/plans"), headers=self.headers("owner"), json=body
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    async def archive(self, plan_id: str) -> None:
        response = await self.client.post(
            self.url(f"/plans/{plan_id}/archive"), headers=self.headers("owner")
        )
        assert response.status_code == 200, response.text

    async def try_sell(
        self,
        plan_id: str,
        *,
        role: str = "receptionist",
        member_id: str | None = None,
        **extra: Any,
    ) -> httpx.Response:
        body = {"member_id": member_id or self.member_id, "plan_id": plan_id, "method": "cash"}
        return await self.client.post(
            self.url("/orders"), headers=self.headers(role), json={**body, **extra}
        )

    async def sell(self, plan_id: str, **extra: Any) -> dict[str, Any]:
        response = await self.try_sell(plan_id, **extra)
        assert response.status_code == 201, response.text
        order: dict[str, Any] = response.json()
        return order

    async def try_refund(
        self, order_id: str, amount_minor: int, *, role: str = "admin"
    ) -> httpx.Response:
        return await self.client.post(
            self.url(f"/orders/{order_id}/refund"),
            headers=self.headers(role),
            json={"amount_minor": amount_minor, "reason": "moving away"},
        )

    async def refund(self, order_id: str, amount_minor: int) -> dict[str, Any]:
        response = await self.try_refund(order_id, amount_minor)
        assert response.status_code == 200, response.text
        order: dict[str, Any] = response.json()
        return order

    async def try_void(self, order_id: str, *, role: str = "admin") -> httpx.Response:
        return await self.client.post(
            self.url(f"/orders/{order_id}/void"),
            headers=self.headers(role),
            json={"reason": "sold by mistake"},
        )

    async def void(self, order_id: str) -> dict[str, Any]:
        response = await self.try_void(order_id)
        assert response.status_code == 200, response.text
        order: dict[str, Any] = response.json()
        return order

    async def order(self, order_id: str) -> dict[str, Any]:
        response = await self.client.get(
            self.url(f"/orders/{order_id}"), headers=self.headers("receptionist")
        )
        assert response.status_code == 200, response.text
        order: dict[str, Any] = response.json()
        return order

    async def credits(self) -> dict[str, Any]:
        """The member's own credit statement."""
        response = await self.client.get(self.url("/me/credits"), headers=self.headers("member"))
        assert response.status_code == 200, response.text
        statement: dict[str, Any] = response.json()
        return statement

    async def lot(self, lot_id: str) -> dict[str, Any]:
        lot: dict[str, Any] = next(
            lot for lot in (await self.credits())["lots"] if lot["id"] == lot_id
        )
        return lot

    async def memberships(self) -> dict[str, dict[str, Any]]:
        """The member's own memberships and passes, by id."""
        response = await self.client.get(
            self.url("/me/memberships"), headers=self.headers("member")
        )
        assert response.status_code == 200, response.text
        return {item["id"]: item for item in response.json()["items"]}

    async def adjust(self, units: int) -> httpx.Response:
        """A staff adjustment: positive units grant a new lot, negative ones take from the
        first-expiring lot."""
        return await self.client.post(
            self.url(f"/members/{self.member_id}/credit-adjustments"),
            headers=self.headers("receptionist"),
            json={"units": units, "reason": "desk correction"},
        )

    async def use_credits(self, units: int) -> None:
        response = await self.adjust(-units)
        assert response.status_code == 201, response.text

    async def attend_class(self, at: datetime, source: Source | None = None) -> ChargeRead:
        """A class of one credit at `at`, paid the way the booking engine will pay it."""
        async with self.database.sessions() as session:
            organization = await organizations.by_slug(session, self.slug)
            assert organization is not None
            paid = await entitlements.charge(
                session,
                organization=organization,
                member_id=uuid.UUID(self.member_id),
                terms=ClassTerms(starts_at=at, credit_units=CREDIT),
                source=source or Source("booking", str(uuid.uuid4())),
            )
            await session.commit()
            return paid

    async def charge(self, booking: Source) -> ChargeRead:
        """A class tomorrow paid for `booking`."""
        return await self.attend_class(time.now() + timedelta(days=1), booking)

    async def refund_charge(self, booking: Source, *, percent: int) -> None:
        """The booking cancelled, with `percent` of what paid for it given back."""
        async with self.database.sessions() as session:
            await entitlements.refund(
                session,
                organization_id=await self.organization_id(),
                source=booking,
                percent=percent,
            )
            await session.commit()

    async def organization_id(self) -> uuid.UUID:
        async with self.database.sessions() as session:
            organization = await organizations.by_slug(session, self.slug)
            assert organization is not None
            return organization.id

    async def audit(self, action: str) -> list[dict[str, Any]]:
        response = await self.client.get(
            self.url("/audit"), headers=self.headers("owner"), params={"action": action}
        )
        assert response.status_code == 200, response.text
        entries: list[dict[str, Any]] = response.json()["items"]
        return entries


@pytest.fixture
async def desk(clock: datetime, client: httpx.AsyncClient, database: Database) -> Desk:
    return Desk(client, database, await staffed_studio(client))


@pytest.fixture(scope="session")
def stripe_loopback_server() -> Iterator[StripeLoopback]:
    """One loopback Stripe for the whole run."""
    with StripeLoopback() as loopback:
        yield loopback


@pytest.fixture
def stripe_loopback(stripe_loopback_server: StripeLoopback) -> StripeLoopback:
    """The run's loopback Stripe, emptied for this test."""
    stripe_loopback_server.reset()
    return stripe_loopback_server


@pytest.fixture
def online_settings(database_url: str, stripe_loopback: StripeLoopback) -> Iterator[Settings]:
    """Settings of a studio that takes payments through the loopback Stripe."""
    configured = make_settings(
        database_url,
        stripe={
            "secret_key": "sk_test_fitflow",
            "webhook_secret": WEBHOOK_SECRET,
            "api_base": stripe_loopback.base_url,
        },
    )
    use_settings(configured)
    yield configured
    use_settings(None)


@pytest.fixture
async def shop(
    database_url: str, online_settings: Settings, stripe_loopback: StripeLoopback
) -> AsyncIterator[Shop]:
    """A staffed studio (with a class type, and a member holding a monthly membership)
    selling online, on a database whose commits other connections
    (the webhook's concurrent deliveries, the worker) see; emptied afterwards."""
    database = Database.connect(database_url, online_settings.database)
    use_database(database)
    app = create_app(online_settings, database)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://fitflow.test"
        ) as client:
            studio = await studio_with_sale(client)
            yield Shop(client, database, database_url, online_settings, stripe_loopback, studio)
    finally:
        use_database(None)
        await database.dispose()
        await truncate_all(database_url)
