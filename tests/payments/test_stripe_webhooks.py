"""Stripe's webhook: signed events are kept once and handled by a job; payments are
granted once whatever arrives, however often and in whatever order."""

from __future__ import annotations

import time as wall

from tests.payments.online import Shop, unknown_order_metadata
from tests.payments.stripe_loopback import SEPA_DEBIT, SEPA_DEBIT_FAILING


async def _organization_id(shop: Shop) -> str:
    found = await shop.scalar("SELECT id FROM organizations WHERE slug = :slug", slug=shop.slug)
    return str(found)


class TestSignature:
    async def test_a_wrong_secret_answers_400_and_keeps_nothing(self, shop: Shop) -> None:
        _, session = await shop.paid_checkout()
        event = shop.stripe.event("checkout.session.completed", session)
        response = await shop.deliver(event, secret="whsec_someone_else")
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_webhook_signature"
        assert await shop.scalar("SELECT count(*) FROM payment_events") == 0

    async def test_a_timestamp_older_than_300_seconds_answers_400(self, shop: Shop) -> None:
        _, session = await shop.paid_checkout()
        event = shop.stripe.event("checkout.session.completed", session)
        response = await shop.deliver(event, timestamp=int(wall.time()) - 301)
        assert response.status_code == 400
        assert await shop.scalar("SELECT count(*) FROM payment_events") == 0

    async def test_an_unsigned_body_answers_400(self, shop: Shop) -> None:
        response = await shop.client.post(
            "/api/v1/webhooks/stripe", content=b'{"id": "evt_1"}', headers={}
        )
        assert response.status_code == 400

    async def test_an_unknown_event_type_is_kept_and_ignored(self, shop: Shop) -> None:
        event = shop.stripe.event("customer.created", {"id": "cus_1", "object": "customer"})
        await shop.deliver_and_run(event)
        outcome = await shop.scalar(
            "SELECT outcome FROM payment_events WHERE id = :id", id=event["id"]
        )
        assert outcome == "ignored"


class TestPaidCheckout:
    async def test_ten_concurrent_deliveries_grant_once(self, shop: Shop) -> None:
        checkout, session = await shop.paid_checkout()
        event = shop.stripe.completed_event(session["id"])
        statuses = await shop.deliver_concurrently(event, 10)
        assert statuses == [200] * 10
        await shop.run_jobs()
        order = await shop.order(checkout["order_id"])
        assert (order["status"], order["payment_ref"]) == ("paid", session["payment_intent"])
        assert order["granted_lot_id"] is not None
        assert await shop.credits() == 10 * 100
        assert await shop.scalar("SELECT count(*) FROM payment_events") == 1
        assert await shop.audit_count("order.paid", checkout["order_id"]) == 1
        invoiced = await shop.scalar(
            "SELECT count(*) FROM invoices WHERE order_id = :id AND kind = 'invoice'",
            id=checkout["order_id"],
        )
        assert invoiced == 1

    async def test_the_same_payment_reported_twice_by_two_events_grants_once(
        self, shop: Shop
    ) -> None:
        checkout, session = await shop.paid_checkout()
        await shop.deliver_and_run(shop.stripe.completed_event(session["id"]))
        repeat = shop.stripe.event("checkout.session.async_payment_succeeded", session)
        await shop.deliver_and_run(repeat)
        assert await shop.credits() == 10 * 100
        assert await shop.audit_count("order.paid", checkout["order_id"]) == 1

    async def test_an_older_expiry_arriving_late_leaves_the_order_paid(self, shop: Shop) -> None:
        checkout, session = await shop.paid_checkout()
        paid_at = int(wall.time())
        await shop.deliver_and_run(shop.stripe.completed_event(session["id"]))
        stale = dict(session, status="expired", payment_status="unpaid")
        await shop.deliver_and_run(
            shop.stripe.event("checkout.session.expired", stale, created=paid_at - 60)
        )
        assert (await shop.order(checkout["order_id"]))["status"] == "paid"
        assert await shop.credits() == 10 * 100

    async def test_an_expired_checkout_grants_nothing(self, shop: Shop) -> None:
        checkout = await shop.checkout()
        expired = shop.stripe.expire_checkout(shop.checkout_ref(checkout))
        await shop.deliver_and_run(shop.stripe.event("checkout.session.expired", expired))
        assert (await shop.order(checkout["order_id"]))["status"] == "expired"
        assert await shop.credits() == 0

    async def test_a_bank_debit_grants_when_it_settles_not_before(self, shop: Shop) -> None:
        checkout, session = await shop.paid_checkout(payment_method=SEPA_DEBIT)
        await shop.deliver_and_run(shop.stripe.completed_event(session["id"]))
        assert (await shop.order(checkout["order_id"]))["status"] == "pending"
        settled = shop.stripe.async_payment_event(session["id"], succeeded=True)
        await shop.deliver_and_run(settled)
        assert (await shop.order(checkout["order_id"]))["status"] == "paid"
        assert await shop.credits() == 10 * 100

    async def test_a_failed_bank_debit_closes_the_order_unpaid(self, shop: Shop) -> None:
        checkout, session = await shop.paid_checkout(payment_method=SEPA_DEBIT_FAILING)
        await shop.deliver_and_run(shop.stripe.completed_event(session["id"]))
        failed = shop.stripe.async_payment_event(session["id"], succeeded=False)
        await shop.deliver_and_run(failed)
        assert (await shop.order(checkout["order_id"]))["status"] == "failed"
        assert await shop.credits() == 0


class TestMoneyThatDoesNotMatch:
    async def test_an_amount_mismatch_is_flagged_grants_nothing_and_is_returned(
        self, shop: Shop
    ) -> None:
        checkout, session = await shop.paid_checkout(amount=5000)
        await shop.deliver_and_run(
            shop.stripe.event("checkout.session.completed", dict(session, amount_total=5000))
        )
        order = await shop.order(checkout["order_id"])
        assert (order["status"], order["flag"]) == ("pending", "amount_mismatch")
        assert await shop.credits() == 0
        assert shop.refunded_in_stripe(session["payment_intent"]) == 5000
        again = dict(session, amount_total=5000)
        await shop.deliver_and_run(
            shop.stripe.event("checkout.session.async_payment_succeeded", again)
        )
        assert await shop.audit_count("order.payment_returned", checkout["order_id"]) == 1

    async def test_a_payment_naming_no_order_is_returned_whole(self, shop: Shop) -> None:
        _, session = await shop.paid_checkout()
        metadata = unknown_order_metadata(await _organization_id(shop))
        orphan = dict(session, id="cs_test_orphan", metadata=metadata)
        await shop.deliver_and_run(shop.stripe.event("checkout.session.completed", orphan))
        assert shop.refunded_in_stripe(session["payment_intent"]) == 12000
        assert await shop.credits() == 0
