"""A studio's desk for entitlement tests: plans, sales, freezes and credits go through the
API; quotes, charges and refunds call the entitlement service the way the booking engine
will, each in a transaction of its own. The clock is frozen on a Monday morning in Berlin."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.classes.models import ClassType
from fitflow.credits import service as credits
from fitflow.credits.models import CreditEntry, CreditLot
from fitflow.entitlements import service
from fitflow.entitlements.models import Charge
from fitflow.entitlements.schemas import ChargeRead, ClassTerms, Quote, RefundOutcome
from fitflow.kit import time
from fitflow.kit.db import Database
from fitflow.kit.source import Source
from fitflow.memberships.models import Membership
from fitflow.organizations import service as organizations
from fitflow.organizations.models import Organization
from tests.factories import Studio, login, staffed_studio

BERLIN = ZoneInfo("Europe/Berlin")
CREDIT = 100
YOGA, SPIN = uuid.UUID(int=1), uuid.UUID(int=2)


def berlin(day: int, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in the studio's zone in November 2026 (the 16th and the 23rd
    are Mondays, the 21st a Saturday)."""
    return datetime(2026, 11, day, hour, minute, tzinfo=BERLIN)


NOW = berlin(16, 8)


def yoga(starts_at: datetime, units: int = CREDIT) -> ClassTerms:
    return ClassTerms(starts_at=starts_at, credit_units=units, class_type_id=YOGA)


def spin(starts_at: datetime, units: int = CREDIT) -> ClassTerms:
    return ClassTerms(starts_at=starts_at, credit_units=units, class_type_id=SPIN)


def booking(name: str) -> Source:
    return Source("booking", name)


@pytest.fixture
def clock() -> Iterator[datetime]:
    with time.frozen(NOW):
        yield NOW


@dataclass
class Desk:
    """One member of a staffed studio, and what the desk and the booking engine do."""

    client: httpx.AsyncClient
    database: Database
    studio: Studio

    @property
    def member_id(self) -> uuid.UUID:
        return uuid.UUID(self.studio.member_id)

    def headers(self, role: str) -> dict[str, str]:
        return self.studio.accounts[role].headers

    async def relogin(self, role: str) -> dict[str, str]:
        """Fresh tokens after the clock moved past the access token's lifetime."""
        account = self.studio.accounts[role]
        tokens = await login(self.client, account.email, account.password)
        return {"Authorization": f"Bearer {tokens['access_token']}"}

    async def _post(self, path: str, role: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await self.client.post(
            f"/api/v1/orgs/{self.studio.slug}{path}", headers=self.headers(role), json=body
        )
        assert response.status_code in (200, 201), response.text
        found: dict[str, Any] = response.json()
        return found

    async def plan(self, **body: Any) -> str:
        created = await self._post("/plans", "owner", body)
        return str(created["id"])

    async def sell(self, plan_id: str) -> dict[str, Any]:
        return await self._post(
            "/orders",
            "receptionist",
            {"member_id": self.studio.member_id, "plan_id": plan_id, "method": "cash"},
        )

    async def unlimited(self, **plan: Any) -> uuid.UUID:
        """A monthly unlimited membership sold to the member; the membership's id."""
        body = {
            "kind": "unlimited",
            "name": "Unlimited",
            "price_minor": 9000,
            "billing_period": "month",
            **plan,
        }
        order = await self.sell(await self.plan(**body))
        return uuid.UUID(order["granted_membership_id"])

    async def drop_in_plan(self, **plan: Any) -> str:
        body = {
            "kind": "drop_in",
            "name": "Drop-in",
            "price_minor": 1500,
            "non_member_price_minor": 2000,
            **plan,
        }
        return await self.plan(**body)

    async def pass_(self, **plan: Any) -> uuid.UUID:
        """A one-class drop-in pass sold to the member; the pass's id."""
        order = await self.sell(await self.drop_in_plan(**plan))
        return uuid.UUID(order["granted_membership_id"])

    async def pack(self) -> uuid.UUID:
        """The studio's 10-credit pack (90 days) sold to the member; the lot's id."""
        order = await self.sell(self.studio.plan_id)
        return uuid.UUID(order["granted_lot_id"])

    async def credits(self, units: int, expires_at: datetime | None = None) -> uuid.UUID:
        """A staff adjustment granting a new lot; the lot's id."""
        body: dict[str, Any] = {"units": units, "reason": "goodwill"}
        if expires_at is not None:
            body["expires_at"] = expires_at.isoformat()
        response = await self.client.post(
            f"/api/v1/orgs/{self.studio.slug}/members/{self.studio.member_id}/credit-adjustments",
            headers=self.headers("receptionist"),
            json=body,
        )
        assert response.status_code == 201, response.text
        return uuid.UUID(response.json()[0]["lot_id"])

    async def freeze(self, membership_id: uuid.UUID, starts_on: date, days: int) -> None:
        await self._post(
            f"/memberships/{membership_id}/freeze",
            "receptionist",
            {"days": days, "starts_on": starts_on.isoformat()},
        )

    async def cancel_now(self, membership_id: uuid.UUID) -> dict[str, Any]:
        response = await self.client.post(
            f"/api/v1/orgs/{self.studio.slug}/memberships/{membership_id}/cancel",
            headers=await self.relogin("receptionist"),
            json={"at_period_end": False},
        )
        assert response.status_code == 200, response.text
        cancelled: dict[str, Any] = response.json()
        return cancelled

    async def pricing(self, *tiers: dict[str, Any]) -> None:
        response = await self.client.patch(
            f"/api/v1/orgs/{self.studio.slug}",
            headers=self.headers("owner"),
            json={"policy": {"pricing_tiers": list(tiers)}},
        )
        assert response.status_code == 200, response.text

    async def _organization(self, session: AsyncSession) -> Organization:
        organization = await organizations.by_slug(session, self.studio.slug)
        assert organization is not None
        return organization

    async def quote(self, terms: ClassTerms) -> Quote:
        async with self.database.sessions() as session:
            return await service.quote(
                session,
                organization=await self._organization(session),
                member_id=self.member_id,
                terms=terms,
            )

    async def charge(
        self, terms: ClassTerms, source: Source, *, member_id: uuid.UUID | None = None
    ) -> ChargeRead:
        async with self.database.sessions() as session:
            paid = await service.charge(
                session,
                organization=await self._organization(session),
                member_id=member_id or self.member_id,
                terms=terms,
                source=source,
            )
            await session.commit()
            return paid

    async def refund(self, source: Source, percent: int) -> RefundOutcome | None:
        async with self.database.sessions() as session:
            organization = await self._organization(session)
            outcome = await service.refund(
                session, organization_id=organization.id, source=source, percent=percent
            )
            await session.commit()
            return outcome

    async def membership(self, membership_id: uuid.UUID) -> Membership:
        async with self.database.sessions() as session:
            found = await session.get(Membership, membership_id, populate_existing=True)
            assert found is not None
            return found

    async def lot(self, lot_id: uuid.UUID) -> CreditLot:
        async with self.database.sessions() as session:
            found = await session.get(CreditLot, lot_id, populate_existing=True)
            assert found is not None
            return found

    async def remaining(self, lot_id: uuid.UUID) -> int:
        async with self.database.sessions() as session:
            lot = await session.get(CreditLot, lot_id, populate_existing=True)
            assert lot is not None
            return lot.remaining_units

    async def balance(self) -> int:
        """The member's credits that count now."""
        async with self.database.sessions() as session:
            return await credits.balance(
                session,
                organization_id=(await self._organization(session)).id,
                member_id=self.member_id,
                at=time.now(),
            )

    async def entries(self, source: Source) -> list[tuple[str, uuid.UUID, int]]:
        """The ledger entries a source wrote: (kind, lot, units), by time, then kind."""
        async with self.database.sessions() as session:
            rows = await session.scalars(
                select(CreditEntry)
                .where(CreditEntry.source_type == source.kind, CreditEntry.source_id == source.id)
                .order_by(CreditEntry.created_at, CreditEntry.kind, CreditEntry.id)
            )
            return [(entry.kind, entry.lot_id, entry.units) for entry in rows]

    async def charges(self) -> list[Charge]:
        async with self.database.sessions() as session:
            rows = await session.scalars(
                select(Charge).where(Charge.member_id == self.member_id).order_by(Charge.source_id)
            )
            return list(rows)


async def with_class_types(database: Database, studio: Studio) -> Studio:
    """The studio runs yoga and spin, under the fixed ids the terms above name."""
    async with database.sessions() as session:
        organization = await organizations.by_slug(session, studio.slug)
        assert organization is not None
        for class_type_id, name in ((YOGA, "Yoga"), (SPIN, "Spin")):
            session.add(
                ClassType(
                    id=class_type_id,
                    organization_id=organization.id,
                    name=name,
                    duration_minutes=60,
                    default_capacity=20,
                    credit_units=CREDIT,
                )
            )
        await session.commit()
    return studio


@pytest.fixture
async def desk(clock: datetime, client: httpx.AsyncClient, database: Database) -> Desk:
    return Desk(client, database, await with_class_types(database, await staffed_studio(client)))
