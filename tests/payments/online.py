"""A studio that sells online, for the Stripe tests: the member opens checkouts through
the API, Stripe (the loopback) takes the money, and its signed events reach the webhook;
the jobs then run in a real procrastinate worker."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import text
from stripe import StripeClient

from fitflow import worker
from fitflow.config import Settings
from fitflow.kit.db import Database
from tests.factories import Studio
from tests.payments.stripe_loopback import StripeLoopback

WEBHOOK_SECRET = "whsec_fitflow_tests"
WEBHOOK = "/api/v1/webhooks/stripe"


@dataclass
class Shop:
    client: httpx.AsyncClient
    database: Database
    database_url: str
    settings: Settings
    stripe: StripeLoopback
    studio: Studio

    @property
    def slug(self) -> str:
        return self.studio.slug

    def headers(self, role: str) -> dict[str, str]:
        return self.studio.accounts[role].headers

    @property
    def sdk(self) -> StripeClient:
        return self.stripe.client()

    async def checkout(self, plan_id: str | None = None) -> dict[str, Any]:
        response = await self.client.post(
            f"/api/v1/orgs/{self.slug}/plans/{plan_id or self.studio.plan_id}/checkout",
            headers=self.headers("member"),
            json={},
        )
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    def checkout_ref(self, checkout: dict[str, Any]) -> str:
        """The Checkout Session id behind a checkout URL (the loopback's page path)."""
        return str(checkout["checkout_url"]).rstrip("/").rsplit("/", 1)[-1]

    async def paid_checkout(self, **payment: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        """A checkout the member has paid: (the API's checkout, Stripe's session)."""
        checkout = await self.checkout()
        session = self.stripe.pay_checkout(self.checkout_ref(checkout), **payment)
        return checkout, session

    async def deliver(
        self, event: dict[str, Any], *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None
    ) -> httpx.Response:
        body, headers = self.stripe.signed(event, secret, timestamp=timestamp)
        return await self.client.post(WEBHOOK, content=body, headers=headers)

    async def deliver_and_run(self, event: dict[str, Any]) -> None:
        response = await self.deliver(event)
        assert response.status_code == 200, response.text
        await self.run_jobs()

    async def run_jobs(self) -> None:
        await worker.run(self.database_url, self.settings, wait=False)

    async def order(self, order_id: str) -> dict[str, Any]:
        response = await self.client.get(
            f"/api/v1/orgs/{self.slug}/orders/{order_id}", headers=self.headers("owner")
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def credits(self) -> int:
        response = await self.client.get(
            f"/api/v1/orgs/{self.slug}/me/credits", headers=self.headers("member")
        )
        assert response.status_code == 200, response.text
        return int(response.json()["balance_units"])

    async def scalar(self, query: str, **params: Any) -> Any:
        async with self.database.sessions() as session:
            return await session.scalar(text(query), params)

    async def audit_count(self, action: str, order_id: str) -> int:
        return int(
            await self.scalar(
                "SELECT count(*) FROM audit_entries WHERE action = :action AND subject_id = :id",
                action=action,
                id=order_id,
            )
        )

    def refunded_in_stripe(self, payment_intent: str) -> int:
        """What Stripe has refunded of a payment, by its own records."""
        listed = self.sdk.v1.refunds.list(params={"payment_intent": payment_intent})
        return sum(refund.amount for refund in listed.data if refund.status == "succeeded")

    async def deliver_concurrently(self, event: dict[str, Any], times: int) -> list[int]:
        responses = await asyncio.gather(*(self.deliver(event) for _ in range(times)))
        return [response.status_code for response in responses]


def unknown_order_metadata(organization_id: str) -> dict[str, str]:
    return {"fitflow_order_id": str(uuid.uuid4()), "fitflow_organization_id": organization_id}
