"""A studio that brings its own Stripe account: its checkouts are opened with its key, its
events arrive at its own endpoint and are checked with its signing secret, and an
account's events may speak only of its own studio's orders, never of another's."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from pydantic import SecretStr

from fitflow.config import StudioStripeAccount
from tests.factories import studio_with_sale
from tests.payments.online import WEBHOOK, WEBHOOK_SECRET, Shop

OWN_KEY = "sk_test_studio_own_account"
OWN_SECRET = "whsec_studio_own_account"


async def _own_account(shop: Shop) -> uuid.UUID:
    """Give the shop's studio its own Stripe account; its id."""
    studio_id = uuid.UUID(
        str(await shop.scalar("SELECT id FROM organizations WHERE slug = :s", s=shop.slug))
    )
    shop.settings.stripe.studio_accounts[studio_id] = StudioStripeAccount(
        secret_key=SecretStr(OWN_KEY), webhook_secret=SecretStr(OWN_SECRET)
    )
    return studio_id


async def _deliver(shop: Shop, event: dict[str, Any], url: str, secret: str) -> int:
    body, headers = shop.stripe.signed(event, secret)
    response = await shop.client.post(url, content=body, headers=headers)
    return response.status_code


async def _paid_event(shop: Shop, checkout: dict[str, Any]) -> dict[str, Any]:
    ref = shop.checkout_ref(checkout)
    shop.stripe.pay_checkout(ref)
    return shop.stripe.completed_event(ref)


class TestOwnAccount:
    async def test_checkouts_are_opened_with_the_studios_own_key(self, shop: Shop) -> None:
        await _own_account(shop)
        checkout = await shop.checkout()
        assert shop.stripe.checkout_key(shop.checkout_ref(checkout)) == OWN_KEY

    async def test_a_studio_on_the_platform_uses_the_platforms_key(self, shop: Shop) -> None:
        checkout = await shop.checkout()
        assert shop.stripe.checkout_key(shop.checkout_ref(checkout)) == "sk_test_fitflow"

    async def test_its_events_arrive_at_its_endpoint_and_pay_its_orders(self, shop: Shop) -> None:
        studio_id = await _own_account(shop)
        checkout = await shop.checkout()
        event = await _paid_event(shop, checkout)
        status = await _deliver(shop, event, f"{WEBHOOK}/{studio_id}", OWN_SECRET)
        await shop.run_jobs()
        assert status == 200
        assert (await shop.order(checkout["order_id"]))["status"] == "paid"

    async def test_the_platforms_secret_is_refused_at_the_studios_endpoint(
        self, shop: Shop
    ) -> None:
        studio_id = await _own_account(shop)
        event = await _paid_event(shop, await shop.checkout())
        assert await _deliver(shop, event, f"{WEBHOOK}/{studio_id}", WEBHOOK_SECRET) == 400

    async def test_a_studio_without_its_own_account_has_no_endpoint(self, shop: Shop) -> None:
        event = await _paid_event(shop, await shop.checkout())
        assert await _deliver(shop, event, f"{WEBHOOK}/{uuid.uuid4()}", OWN_SECRET) == 400

    @pytest.mark.parametrize("via", ["own account", "platform"])
    async def test_an_account_cannot_pay_orders_it_does_not_hold(
        self, shop: Shop, via: str
    ) -> None:
        """A payment that an account took for an order it does not hold pays nothing:
        A's own account cannot pay B's order, nor the platform A's once A brings its own
        account. The order stays unpaid and the money goes back from the account that
        took it."""
        studio_id = await _own_account(shop)
        if via == "own account":
            other = await studio_with_sale(shop.client)
            response = await shop.client.post(
                f"/api/v1/orgs/{other.slug}/plans/{other.plan_id}/checkout",
                headers=other.accounts["member"].headers,
                json={},
            )
            assert response.status_code == 201, response.text
            checkout, url, secret = response.json(), f"{WEBHOOK}/{studio_id}", OWN_SECRET
        else:
            checkout, url, secret = await shop.checkout(), WEBHOOK, WEBHOOK_SECRET
        event = await _paid_event(shop, checkout)
        assert await _deliver(shop, event, url, secret) == 200
        await shop.run_jobs()
        status = await shop.scalar(
            "SELECT status FROM orders WHERE id = :id", id=checkout["order_id"]
        )
        outcome = await shop.scalar(
            "SELECT outcome FROM payment_events WHERE id = :id", id=event["id"]
        )
        assert (status, outcome) == ("pending", "refunded")
