"""Opening a Stripe checkout for a plan: the order waits unpaid with its price
snapshotted, and nothing is granted before Stripe reports the money."""

from __future__ import annotations

import httpx
import pytest

from tests.factories import staffed_studio
from tests.payments.online import Shop


class TestCheckout:
    async def test_opens_a_stripe_session_for_the_snapshotted_price(self, shop: Shop) -> None:
        checkout = await shop.checkout()
        session = shop.stripe.checkout_session(shop.checkout_ref(checkout))
        assert session["mode"] == "payment"
        assert (session["amount_total"], session["currency"]) == (12000, "eur")
        assert session["client_reference_id"] == checkout["order_id"]
        assert session["metadata"]["fitflow_order_id"] == checkout["order_id"]
        order = await shop.order(checkout["order_id"])
        assert (order["status"], order["provider"], order["method"]) == (
            "pending",
            "stripe",
            "online",
        )
        assert (order["amount_minor"], order["paid_at"]) == (12000, None)
        assert await shop.credits() == 0

    async def test_a_second_checkout_of_the_same_plan_is_the_open_one(self, shop: Shop) -> None:
        first = await shop.checkout()
        again = await shop.checkout()
        assert again == first
        count = await shop.scalar("SELECT count(*) FROM orders WHERE provider = 'stripe'")
        assert count == 1

    async def test_an_archived_plan_is_not_sold_online(self, shop: Shop) -> None:
        archived = await shop.client.post(
            f"/api/v1/orgs/{shop.slug}/plans/{shop.studio.plan_id}/archive",
            headers=shop.headers("owner"),
        )
        assert archived.status_code == 200, archived.text
        response = await shop.client.post(
            f"/api/v1/orgs/{shop.slug}/plans/{shop.studio.plan_id}/checkout",
            headers=shop.headers("member"),
            json={},
        )
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "plan_not_on_sale"
        assert await shop.scalar("SELECT count(*) FROM orders WHERE provider = 'stripe'") == 0

    async def test_someone_who_is_not_a_member_cannot_check_out(self, shop: Shop) -> None:
        response = await shop.client.post(
            f"/api/v1/orgs/{shop.slug}/plans/{shop.studio.plan_id}/checkout",
            headers=shop.headers("owner"),
            json={},
        )
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "member_not_found"

    async def test_return_urls_must_be_web_addresses(self, shop: Shop) -> None:
        response = await shop.client.post(
            f"/api/v1/orgs/{shop.slug}/plans/{shop.studio.plan_id}/checkout",
            headers=shop.headers("member"),
            json={"success_url": "javascript:alert(1)"},
        )
        assert response.status_code == 422


class TestWithoutStripeKeys:
    @pytest.mark.usefixtures("clock")
    async def test_online_checkout_is_refused_and_the_desk_still_sells(
        self, client: httpx.AsyncClient
    ) -> None:
        studio = await staffed_studio(client)
        refused = await client.post(
            f"/api/v1/orgs/{studio.slug}/plans/{studio.plan_id}/checkout",
            headers=studio.accounts["member"].headers,
            json={},
        )
        assert refused.status_code == 409
        assert refused.json()["error"]["code"] == "online_payments_unavailable"
        sold = await client.post(
            f"/api/v1/orgs/{studio.slug}/orders",
            headers=studio.accounts["receptionist"].headers,
            json={"member_id": studio.member_id, "plan_id": studio.plan_id, "method": "cash"},
        )
        assert sold.status_code == 201, sold.text
