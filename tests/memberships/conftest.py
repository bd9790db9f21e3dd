from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from fitflow.kit import time
from tests.factories import MONTHLY, Studio, login, sell, staffed_studio


@dataclass
class Desk:
    """A studio whose member bought a monthly unlimited membership, and the calls the
    tests make on it as any of its people, at whatever time the clock is frozen to."""

    client: httpx.AsyncClient
    studio: Studio
    membership_id: str
    plan_id: str

    @property
    def base(self) -> str:
        return f"/api/v1/orgs/{self.studio.slug}"

    async def headers(self, role: str) -> dict[str, str]:
        """A fresh login, so the token is valid at the frozen time."""
        tokens = await login(self.client, self.studio.accounts[role].email)
        return {"Authorization": f"Bearer {tokens['access_token']}"}

    async def act(
        self, action: str, body: dict[str, Any] | None = None, *, role: str = "receptionist"
    ) -> httpx.Response:
        url = f"{self.base}/memberships/{self.membership_id}/{action}"
        return await self.client.post(url, headers=await self.headers(role), json=body)

    async def membership(self, role: str = "member") -> dict[str, Any]:
        response = await self.client.get(
            f"{self.base}/me/memberships", headers=await self.headers(role)
        )
        assert response.status_code == 200, response.text
        [found] = [m for m in response.json()["items"] if m["id"] == self.membership_id]
        return dict(found)

    async def renew(self) -> dict[str, Any]:
        """The same plan sold again at the desk; the new membership."""
        owner = await self.headers("owner")
        response = await self.client.post(
            f"{self.base}/orders",
            headers=owner,
            json={"member_id": self.studio.member_id, "plan_id": self.plan_id, "method": "cash"},
        )
        assert response.status_code == 201, response.text
        listing = await self.client.get(
            f"{self.base}/me/memberships", headers=await self.headers("member")
        )
        [found] = [
            m
            for m in listing.json()["items"]
            if m["id"] == response.json()["granted_membership_id"]
        ]
        return dict(found)

    async def set_policy(self, **policy: object) -> None:
        response = await self.client.patch(
            self.base, headers=await self.headers("owner"), json={"policy": policy}
        )
        assert response.status_code == 200, response.text


@contextmanager
def at(instant: str) -> Iterator[datetime]:
    """Freeze the clock at an ISO instant with offset."""
    moment = datetime.fromisoformat(instant)
    with time.frozen(moment):
        yield moment


async def desk_bought_at(
    client: httpx.AsyncClient, instant: str, plan: dict[str, Any] | None = None
) -> Desk:
    """A fresh studio whose member buys `plan` (monthly unlimited by default) at `instant`."""
    with at(instant):
        studio = await staffed_studio(client)
        owner = studio.accounts["owner"]
        created = await client.post(
            f"/api/v1/orgs/{studio.slug}/plans", headers=owner.headers, json=plan or MONTHLY
        )
        assert created.status_code == 201, created.text
        order = await sell(
            client, studio.slug, owner, member_id=studio.member_id, plan_id=created.json()["id"]
        )
    return Desk(client, studio, str(order["granted_membership_id"]), created.json()["id"])
