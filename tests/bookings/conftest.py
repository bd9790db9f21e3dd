"""A studio with a class to book, and the calls the booking tests make on it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from fitflow.kit import time
from tests.factories import Account, Studio, account, login, sell, studio_with_sale

DAY = timedelta(days=1)


@dataclass
class Floor:
    """A staffed studio whose member holds a monthly unlimited membership, with one
    published class (capacity `capacity`) three days from now."""

    client: httpx.AsyncClient
    studio: Studio
    session_id: str = ""
    starts_at: datetime = field(default_factory=time.now)
    extra: list[tuple[Account, str]] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"/api/v1/orgs/{self.studio.slug}"

    def headers(self, role: str = "member") -> dict[str, str]:
        return self.studio.accounts[role].headers

    async def fresh(self, person: Account) -> dict[str, str]:
        """Headers from a new login, valid at whatever time the clock is frozen to."""
        tokens = await login(self.client, person.email)
        return {"Authorization": f"Bearer {tokens['access_token']}"}

    async def schedule(
        self, *, capacity: int, starts_at: datetime | None = None, status: str = "published"
    ) -> str:
        starts = starts_at or (time.now() + 3 * DAY).replace(microsecond=0)
        response = await self.client.post(
            f"{self.base}/sessions",
            headers=self.headers("owner"),
            json={
                "class_type_id": self.studio.class_type_id,
                "starts_at": starts.isoformat(),
                "capacity": capacity,
                "status": status,
            },
        )
        assert response.status_code == 201, response.text
        self.session_id, self.starts_at = response.json()["id"], starts
        return self.session_id

    async def newcomer(self, *, pack: bool = True) -> tuple[Account, str]:
        """Another member, with a 10-class pack bought at the desk unless `pack` is off."""
        person = await account(self.client, full_name="Another Member")
        joined = await self.client.post(f"{self.base}/join", headers=person.headers)
        assert joined.status_code == 201, joined.text
        member_id = joined.json()["id"]
        if pack:
            await sell(
                self.client,
                self.studio.slug,
                self.studio.accounts["owner"],
                member_id=member_id,
                plan_id=self.studio.plan_id,
            )
        self.extra.append((person, member_id))
        return person, member_id

    async def post(
        self, path: str, who: dict[str, str], body: dict[str, Any] | None = None
    ) -> httpx.Response:
        return await self.client.post(f"{self.base}{path}", headers=who, json=body)

    async def book(self, who: dict[str, str], session_id: str | None = None) -> httpx.Response:
        return await self.post(f"/sessions/{session_id or self.session_id}/bookings", who)

    async def hold(self, who: dict[str, str], session_id: str | None = None) -> httpx.Response:
        return await self.post(f"/sessions/{session_id or self.session_id}/holds", who)

    async def session(self, session_id: str | None = None) -> dict[str, Any]:
        response = await self.client.get(f"{self.base}/sessions/{session_id or self.session_id}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def policy(self, **changes: object) -> None:
        response = await self.client.patch(
            self.base, headers=self.headers("owner"), json={"policy": changes}
        )
        assert response.status_code == 200, response.text

    async def balance(self, who: dict[str, str]) -> int:
        response = await self.client.get(f"{self.base}/me/credits", headers=who)
        assert response.status_code == 200, response.text
        return int(response.json()["balance_units"])


@pytest.fixture
async def floor(client: httpx.AsyncClient) -> Floor:
    studio = await studio_with_sale(client)
    return Floor(client, studio)
