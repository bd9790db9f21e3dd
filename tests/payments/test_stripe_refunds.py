"""Money back for online orders: refunds asked in FitFlow go through Stripe, refunds
made in Stripe's dashboard are learnt from its events, and either takes back the same
share of the grant, once. Disputes flag the order and the member."""

from __future__ import annotations

from typing import Any

import httpx

from fitflow.payments import tasks
from tests.payments.online import Shop


async def _paid_order(shop: Shop) -> tuple[dict[str, Any], str]:
    """A paid ten-class pack: (the order, Stripe's PaymentIntent id)."""
    checkout, session = await shop.paid_checkout()
    await shop.deliver_and_run(shop.stripe.completed_event(session["id"]))
    return await shop.order(checkout["order_id"]), str(session["payment_intent"])


async def _refund(shop: Shop, order_id: str, amount_minor: int) -> httpx.Response:
    return await shop.client.post(
        f"/api/v1/orgs/{shop.slug}/orders/{order_id}/refund",
        headers=shop.headers("admin"),
        json={"amount_minor": amount_minor, "reason": "moving away"},
    )


class TestRefundFromFitFlow:
    async def test_a_partial_refund_is_sent_to_stripe_and_takes_back_its_share(
        self, shop: Shop
    ) -> None:
        order, intent = await _paid_order(shop)
        response = await _refund(shop, order["id"], 6000)
        assert response.status_code == 200, response.text
        assert response.json()["refunds"][0]["status"] == "pending"
        assert shop.refunded_in_stripe(intent) == 0
        await shop.run_jobs()
        refund = (await shop.order(order["id"]))["refunds"][0]
        assert (refund["status"], refund["origin"]) == ("succeeded", "staff")
        assert shop.refunded_in_stripe(intent) == 6000
        assert await shop.credits() == 5 * 100
        credited = await shop.scalar(
            "SELECT total_minor FROM invoices WHERE refund_id = :id AND kind = 'credit_note'",
            id=refund["id"],
        )
        assert credited == 6000

    async def test_stripes_event_for_fitflows_refund_changes_nothing_more(self, shop: Shop) -> None:
        order, intent = await _paid_order(shop)
        await _refund(shop, order["id"], 6000)
        await shop.run_jobs()
        await shop.deliver_and_run(shop.stripe.charge_refunded_event(intent))
        after = await shop.order(order["id"])
        assert (after["refunded_minor"], len(after["refunds"])) == (6000, 1)
        assert await shop.credits() == 5 * 100

    async def test_the_event_handled_before_the_job_runs_settles_the_refund_once(
        self, shop: Shop
    ) -> None:
        """Stripe made the refund (the job's call went through, but its transaction was
        lost) and its event is handled first: the job then finds nothing left to do."""
        order, intent = await _paid_order(shop)
        await _refund(shop, order["id"], 12000)
        refund_id = (await shop.order(order["id"]))["refunds"][0]["id"]
        shop.sdk.v1.refunds.create(
            params={"payment_intent": intent, "metadata": {"fitflow_refund_id": refund_id}}
        )
        event = shop.stripe.charge_refunded_event(intent)
        assert (await shop.deliver(event)).status_code == 200
        await tasks.handle_event(event["id"])
        await shop.run_jobs()
        after = await shop.order(order["id"])
        assert (after["status"], after["refunded_minor"]) == ("refunded", 12000)
        assert [r["status"] for r in after["refunds"]] == ["succeeded"]
        assert shop.refunded_in_stripe(intent) == 12000

    async def test_an_unpaid_order_has_nothing_to_refund(self, shop: Shop) -> None:
        checkout = await shop.checkout()
        response = await _refund(shop, checkout["order_id"], 100)
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "order_not_paid"


class TestRefundInStripesDashboard:
    async def test_is_recorded_and_takes_back_its_share(self, shop: Shop) -> None:
        order, intent = await _paid_order(shop)
        shop.sdk.v1.refunds.create(params={"payment_intent": intent, "amount": 3000})
        event = shop.stripe.charge_refunded_event(intent)
        await shop.deliver_and_run(event)
        await shop.deliver_and_run(shop.stripe.event("charge.refunded", event["data"]["object"]))
        after = await shop.order(order["id"])
        assert (after["status"], after["refunded_minor"]) == ("partially_refunded", 3000)
        assert [(r["origin"], r["amount_minor"]) for r in after["refunds"]] == [("provider", 3000)]
        assert await shop.credits() == 750

    async def test_after_a_full_refund_in_stripe_fitflow_refunds_no_more(self, shop: Shop) -> None:
        order, intent = await _paid_order(shop)
        shop.sdk.v1.refunds.create(params={"payment_intent": intent})
        await shop.deliver_and_run(shop.stripe.charge_refunded_event(intent))
        response = await _refund(shop, order["id"], 100)
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "refund_exceeds_payment"
        assert await shop.credits() == 0


class TestDispute:
    async def test_flags_the_order_and_the_member(self, shop: Shop) -> None:
        order, intent = await _paid_order(shop)
        opened = shop.stripe.dispute_event(intent, status="needs_response", closed=False)
        await shop.deliver_and_run(opened)
        after = await shop.order(order["id"])
        assert after["flag"] == "disputed"
        assert after["flag_detail"]["dispute_status"] == "needs_response"
        member = await shop.client.get(
            f"/api/v1/orgs/{shop.slug}/members/{shop.studio.member_id}",
            headers=shop.headers("receptionist"),
        )
        assert member.json()["payment_disputed_at"] is not None

    async def test_a_late_opening_event_does_not_reopen_a_closed_dispute(self, shop: Shop) -> None:
        order, intent = await _paid_order(shop)
        opened = shop.stripe.dispute_event(intent, status="needs_response", closed=False)
        closed = shop.stripe.dispute_event(intent, status="won", closed=True)
        await shop.deliver_and_run(closed)
        await shop.deliver_and_run(opened)
        detail = (await shop.order(order["id"]))["flag_detail"]
        assert (detail["dispute_status"], detail["dispute_closed"]) == ("won", True)
