"""The loopback Stripe itself: Stripe's SDK against its Prices and Checkout Sessions, the
customer's payment in localstripe, the events built from it, and their signatures."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from typing import Any, cast

import httpx
import pytest
import stripe
from stripe.params.checkout import SessionCreateParams

from tests.payments.stripe_loopback import (
    DECLINING_CARD,
    SEPA_DEBIT,
    SEPA_DEBIT_FAILING,
    CheckoutDeclined,
    StripeLoopback,
)

SECRET = "whsec_test_loopback"
ROOT = __file__.rsplit("/tests/", 1)[0]
LOCALSTRIPES_OWN_FILE = "/tmp/localstripe.pickle"  # noqa: S108 - the path the loopback avoids


def one_time_price(loopback: StripeLoopback, amount: int = 12000) -> stripe.Price:
    return loopback.client().v1.prices.create(
        params={"unit_amount": amount, "currency": "eur", "product_data": {"name": "Ten pack"}}
    )


def monthly_price(loopback: StripeLoopback) -> stripe.Price:
    return loopback.client().v1.prices.create(
        params={
            "unit_amount": 5900,
            "currency": "eur",
            "product_data": {"name": "Monthly"},
            "recurring": {"interval": "month"},
        }
    )


def payment_session(loopback: StripeLoopback, **extra: Any) -> stripe.checkout.Session:
    price = one_time_price(loopback)
    params: dict[str, Any] = {
        "mode": "payment",
        "line_items": [{"price": price.id, "quantity": 2}],
        "client_reference_id": "order-1",
        "metadata": {"order_id": "order-1"},
        "payment_intent_data": {"metadata": {"order_id": "order-1"}},
        "customer_email": "member@example.com",
        "success_url": "http://127.0.0.1/done",
        "cancel_url": "http://127.0.0.1/cancelled",
        **extra,
    }
    return loopback.client().v1.checkout.sessions.create(params=cast("SessionCreateParams", params))


def subscription_session(loopback: StripeLoopback) -> stripe.checkout.Session:
    return loopback.client().v1.checkout.sessions.create(
        params={
            "mode": "subscription",
            "line_items": [{"price": monthly_price(loopback).id, "quantity": 1}],
            "customer_email": "member@example.com",
            "metadata": {"membership_id": "m-1"},
            "subscription_data": {"metadata": {"membership_id": "m-1"}},
        }
    )


class TestPrices:
    def test_the_sdk_creates_and_retrieves_a_one_time_price(
        self, stripe_loopback: StripeLoopback
    ) -> None:
        price = stripe_loopback.client().v1.prices.create(
            params={
                "unit_amount": 1500,
                "currency": "EUR",
                "product_data": {"name": "Drop-in"},
                "metadata": {"plan_id": "p-1"},
            }
        )
        again = stripe_loopback.client().v1.prices.retrieve(price.id)
        assert price.id.startswith("price_")
        assert (again.unit_amount, again.currency, again.type) == (1500, "eur", "one_time")
        assert again.to_dict()["metadata"] == {"plan_id": "p-1"}
        assert isinstance(again.product, str)
        assert stripe_loopback.client().v1.products.retrieve(again.product).name == "Drop-in"

    def test_a_recurring_price_is_usable_as_a_localstripe_plan(
        self, stripe_loopback: StripeLoopback
    ) -> None:
        price = stripe_loopback.client().v1.prices.create(
            params={
                "unit_amount": 5900,
                "currency": "eur",
                "product_data": {"name": "Monthly"},
                "recurring": {"interval": "month", "interval_count": 3},
            }
        )
        plan = stripe_loopback.client().v1.plans.retrieve(price.id)
        assert price.type == "recurring"
        assert price.recurring is not None
        assert (price.recurring.interval, price.recurring.interval_count) == ("month", 3)
        assert (plan.amount, plan.interval, plan.interval_count) == (5900, "month", 3)

    def test_an_existing_product_can_be_named(self, stripe_loopback: StripeLoopback) -> None:
        product = stripe_loopback.client().v1.products.create(params={"name": "Pass"})
        price = stripe_loopback.client().v1.prices.create(
            params={"unit_amount": 100, "currency": "eur", "product": product.id}
        )
        assert price.product == product.id

    def test_an_unknown_price_is_a_404_in_stripes_envelope(
        self, stripe_loopback: StripeLoopback
    ) -> None:
        with pytest.raises(stripe.InvalidRequestError) as raised:
            stripe_loopback.client().v1.prices.retrieve("price_missing")
        assert raised.value.http_status == 404
        assert raised.value.code == "resource_missing"

    def test_a_missing_currency_names_the_param(self, stripe_loopback: StripeLoopback) -> None:
        response = httpx.post(
            f"{stripe_loopback.base_url}/v1/prices",
            data={"unit_amount": "100", "product_data[name]": "Pass"},
            headers={"Authorization": "Bearer sk_test_fitflow"},
        )
        assert response.status_code == 400
        assert response.json() == {
            "error": {
                "type": "invalid_request_error",
                "code": "parameter_missing",
                "message": "Missing required param: currency.",
                "param": "currency",
            }
        }

    def test_a_call_without_an_api_key_is_refused(self, stripe_loopback: StripeLoopback) -> None:
        response = httpx.post(f"{stripe_loopback.base_url}/v1/prices", data={"currency": "eur"})
        assert response.status_code == 401


class TestCheckoutSessions:
    def test_the_sdk_creates_retrieves_and_expires_a_session(
        self, stripe_loopback: StripeLoopback
    ) -> None:
        created = payment_session(stripe_loopback)
        client = stripe_loopback.client()
        retrieved = client.v1.checkout.sessions.retrieve(created.id)
        assert created.id.startswith("cs_test_")
        assert retrieved.object == "checkout.session"
        assert (retrieved.mode, retrieved.status, retrieved.payment_status) == (
            "payment",
            "open",
            "unpaid",
        )
        assert (retrieved.amount_total, retrieved.currency) == (24000, "eur")
        assert retrieved.client_reference_id == "order-1"
        assert retrieved.to_dict()["metadata"] == {"order_id": "order-1"}
        assert retrieved.expires_at > retrieved.created
        expired = client.v1.checkout.sessions.expire(created.id)
        assert (expired.status, expired.url) == ("expired", None)
        assert client.v1.checkout.sessions.retrieve(created.id).status == "expired"

    def test_the_url_is_a_page_on_the_loopback(self, stripe_loopback: StripeLoopback) -> None:
        session = payment_session(stripe_loopback)
        assert session.url is not None
        assert session.url.startswith(stripe_loopback.base_url)
        page = httpx.get(session.url)
        assert page.status_code == 200
        assert session.id in page.text

    def test_inline_price_data_is_totalled(self, stripe_loopback: StripeLoopback) -> None:
        session = stripe_loopback.client().v1.checkout.sessions.create(
            params={
                "mode": "payment",
                "line_items": [
                    {
                        "price_data": {
                            "currency": "eur",
                            "unit_amount": 1500,
                            "product_data": {"name": "Drop-in"},
                        },
                        "quantity": 3,
                    },
                    {"price": one_time_price(stripe_loopback, 700).id, "quantity": 1},
                ],
            }
        )
        assert session.amount_total == 5200

    def test_an_expired_session_cannot_be_expired_again(
        self, stripe_loopback: StripeLoopback
    ) -> None:
        session = payment_session(stripe_loopback)
        stripe_loopback.expire_checkout(session.id)
        with pytest.raises(stripe.InvalidRequestError) as raised:
            stripe_loopback.client().v1.checkout.sessions.expire(session.id)
        assert raised.value.http_status == 400

    @pytest.mark.parametrize(
        ("extra", "param"),
        [
            ({"mode": "setup"}, "mode"),
            ({"line_items": []}, "line_items"),
            ({"line_items": [{"price": "price_missing", "quantity": 1}]}, "line_items[0][price]"),
            ({"customer": "cus_missing", "customer_email": None}, "customer"),
            ({"subscription_data": {"metadata": {"a": "b"}}}, "subscription_data"),
            ({"locale": "de"}, "locale"),
            (
                {"line_items": [{"price_data": {"currency": "eur"}, "quantity": 1}]},
                "line_items[0][price_data][unit_amount]",
            ),
        ],
    )
    def test_bad_parameters_are_refused_with_the_param_named(
        self, stripe_loopback: StripeLoopback, extra: dict[str, Any], param: str
    ) -> None:
        with pytest.raises(stripe.InvalidRequestError) as raised:
            payment_session(stripe_loopback, **extra)
        assert raised.value.param == param

    def test_a_recurring_price_needs_subscription_mode(
        self, stripe_loopback: StripeLoopback
    ) -> None:
        with pytest.raises(stripe.InvalidRequestError) as raised:
            stripe_loopback.client().v1.checkout.sessions.create(
                params={
                    "mode": "payment",
                    "line_items": [{"price": monthly_price(stripe_loopback).id, "quantity": 1}],
                }
            )
        assert raised.value.param == "line_items"

    def test_an_unknown_session_is_a_404(self, stripe_loopback: StripeLoopback) -> None:
        with pytest.raises(stripe.InvalidRequestError) as raised:
            stripe_loopback.client().v1.checkout.sessions.retrieve("cs_test_missing")
        assert raised.value.http_status == 404

    def test_reset_forgets_sessions_and_localstripe_objects(
        self, stripe_loopback: StripeLoopback
    ) -> None:
        session = payment_session(stripe_loopback)
        customer = stripe_loopback.client().v1.customers.create()
        stripe_loopback.reset()
        for retrieve, object_id in (
            (stripe_loopback.client().v1.checkout.sessions.retrieve, session.id),
            (stripe_loopback.client().v1.customers.retrieve, customer.id),
        ):
            with pytest.raises(stripe.InvalidRequestError):
                retrieve(object_id)


class TestPayingForOneOrder:
    def test_payment_completes_the_session_with_a_succeeded_payment_intent(
        self, stripe_loopback: StripeLoopback
    ) -> None:
        session = stripe_loopback.pay_checkout(payment_session(stripe_loopback).id)
        intent = stripe_loopback.client().v1.payment_intents.retrieve(session["payment_intent"])
        assert (session["status"], session["payment_status"], session["url"]) == (
            "complete",
            "paid",
            None,
        )
        assert (intent.status, intent.amount, intent.currency) == ("succeeded", 24000, "eur")
        assert intent.to_dict()["metadata"] == {"order_id": "order-1"}
        retrieved = stripe_loopback.client().v1.checkout.sessions.retrieve(session["id"])
        assert retrieved.payment_intent == intent.id

    def test_another_amount_can_be_charged_to_test_a_mismatch(
        self, stripe_loopback: StripeLoopback
    ) -> None:
        session = stripe_loopback.pay_checkout(payment_session(stripe_loopback).id, amount=100)
        intent = stripe_loopback.client().v1.payment_intents.retrieve(session["payment_intent"])
        assert (session["amount_total"], intent.amount) == (24000, 100)

    def test_the_payment_refunds_partly_then_fully(self, stripe_loopback: StripeLoopback) -> None:
        intent_id = stripe_loopback.pay_checkout(payment_session(stripe_loopback).id)[
            "payment_intent"
        ]
        client = stripe_loopback.client()
        first = client.v1.refunds.create(params={"payment_intent": intent_id, "amount": 4000})
        partial = stripe_loopback.charge_refunded_event(intent_id)["data"]["object"]
        rest = client.v1.refunds.create(params={"payment_intent": intent_id, "amount": 20000})
        full = stripe_loopback.charge_refunded_event(intent_id)["data"]["object"]
        assert (first.status, rest.status) == ("succeeded", "succeeded")
        assert (partial["amount_refunded"], partial["refunded"]) == (4000, False)
        assert (full["amount_refunded"], full["refunded"]) == (24000, True)
        assert full["payment_intent"] == intent_id
        assert {refund["id"] for refund in full["refunds"]["data"]} == {first.id, rest.id}

    def test_a_refund_needs_a_refund_to_have_happened(
        self, stripe_loopback: StripeLoopback
    ) -> None:
        intent_id = stripe_loopback.pay_checkout(payment_session(stripe_loopback).id)[
            "payment_intent"
        ]
        with pytest.raises(ValueError, match="no refund"):
            stripe_loopback.charge_refunded_event(intent_id)

    def test_a_declined_card_leaves_the_session_open_and_unpaid(
        self, stripe_loopback: StripeLoopback
    ) -> None:
        session = payment_session(stripe_loopback)
        with pytest.raises(CheckoutDeclined) as raised:
            stripe_loopback.pay_checkout(session.id, payment_method=DECLINING_CARD)
        retrieved = stripe_loopback.client().v1.checkout.sessions.retrieve(session.id)
        assert (retrieved.status, retrieved.payment_status) == ("open", "unpaid")
        assert raised.value.payment_intent is not None
        failed = stripe_loopback.payment_failed_event(raised.value.payment_intent)
        intent = failed["data"]["object"]
        assert failed["type"] == "payment_intent.payment_failed"
        assert intent["status"] == "requires_payment_method"
        assert intent["last_payment_error"]["code"] == "card_declined"
        assert intent["metadata"] == {"order_id": "order-1"}

    def test_the_customer_can_pay_after_a_decline(self, stripe_loopback: StripeLoopback) -> None:
        session = payment_session(stripe_loopback)
        with pytest.raises(CheckoutDeclined):
            stripe_loopback.pay_checkout(session.id, payment_method=DECLINING_CARD)
        assert stripe_loopback.pay_checkout(session.id)["payment_status"] == "paid"

    def test_an_unknown_session_cannot_be_paid(self, stripe_loopback: StripeLoopback) -> None:
        with pytest.raises(LookupError, match="cs_test_missing"):
            stripe_loopback.pay_checkout("cs_test_missing")

    def test_an_expired_session_cannot_be_paid(self, stripe_loopback: StripeLoopback) -> None:
        session = payment_session(stripe_loopback)
        stripe_loopback.expire_checkout(session.id)
        with pytest.raises(ValueError, match="expired"):
            stripe_loopback.pay_checkout(session.id)

    def test_a_delayed_payment_completes_unpaid_until_it_settles(
        self, stripe_loopback: StripeLoopback
    ) -> None:
        session = payment_session(stripe_loopback)
        completed = stripe_loopback.pay_checkout(session.id, payment_method=SEPA_DEBIT)
        settled = stripe_loopback.async_payment_event(session.id, succeeded=True)
        assert (completed["status"], completed["payment_status"]) == ("complete", "unpaid")
        assert settled["type"] == "checkout.session.async_payment_succeeded"
        assert settled["data"]["object"]["payment_status"] == "paid"
        retrieved = stripe_loopback.client().v1.checkout.sessions.retrieve(session.id)
        assert retrieved.payment_status == "paid"

    def test_a_failing_delayed_payment_leaves_the_session_unpaid(
        self, stripe_loopback: StripeLoopback
    ) -> None:
        session = payment_session(stripe_loopback)
        completed = stripe_loopback.pay_checkout(session.id, payment_method=SEPA_DEBIT_FAILING)
        failed = stripe_loopback.async_payment_event(session.id, succeeded=False)
        assert failed["type"] == "checkout.session.async_payment_failed"
        assert failed["data"]["object"]["payment_status"] == "unpaid"
        intents = stripe_loopback.client().v1.payment_intents
        deadline = time.monotonic() + 5
        while intents.retrieve(completed["payment_intent"]).status == "processing":
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert intents.retrieve(completed["payment_intent"]).status == "requires_payment_method"


class TestPayingForASubscription:
    def test_checkout_creates_a_customer_and_an_active_subscription(
        self, stripe_loopback: StripeLoopback
    ) -> None:
        session = stripe_loopback.pay_checkout(subscription_session(stripe_loopback).id)
        client = stripe_loopback.client()
        subscription = client.v1.subscriptions.retrieve(session["subscription"])
        customer = client.v1.customers.retrieve(session["customer"])
        assert (session["status"], session["payment_status"]) == ("complete", "paid")
        assert subscription.status == "active"
        assert subscription.customer == customer.id
        assert subscription.to_dict()["metadata"] == {"membership_id": "m-1"}
        assert customer.email == "member@example.com"

    def test_the_first_invoice_carries_the_subscription_and_its_metadata(
        self, stripe_loopback: StripeLoopback
    ) -> None:
        subscription_id = stripe_loopback.pay_checkout(subscription_session(stripe_loopback).id)[
            "subscription"
        ]
        invoice = stripe_loopback.invoice_paid_event(subscription_id)["data"]["object"]
        line = invoice["lines"]["data"][0]
        assert (invoice["status"], invoice["billing_reason"]) == ("paid", "subscription_create")
        assert (invoice["amount_paid"], invoice["amount_due"], invoice["currency"]) == (
            5900,
            5900,
            "eur",
        )
        assert invoice["subscription"] == subscription_id
        details = invoice["parent"]["subscription_details"]
        assert details == {"subscription": subscription_id, "metadata": {"membership_id": "m-1"}}
        assert line["metadata"] == {"membership_id": "m-1"}
        assert line["period"]["end"] > line["period"]["start"]

    def test_a_declined_card_leaves_no_live_subscription(
        self, stripe_loopback: StripeLoopback
    ) -> None:
        session = subscription_session(stripe_loopback)
        with pytest.raises(CheckoutDeclined):
            stripe_loopback.pay_checkout(session.id, payment_method=DECLINING_CARD)
        retrieved = stripe_loopback.client().v1.checkout.sessions.retrieve(session.id)
        live = stripe_loopback.client().v1.subscriptions.list()
        assert (retrieved.status, retrieved.subscription) == ("open", None)
        assert live.data == []

    def test_a_renewal_bills_the_next_period(self, stripe_loopback: StripeLoopback) -> None:
        subscription_id = stripe_loopback.pay_checkout(subscription_session(stripe_loopback).id)[
            "subscription"
        ]
        first = stripe_loopback.invoice_paid_event(subscription_id)["data"]["object"]
        renewal = stripe_loopback.renew(subscription_id)
        paid = stripe_loopback.invoice_paid_event(subscription_id)["data"]["object"]
        assert renewal["status"] == "paid"
        assert (paid["id"], paid["billing_reason"]) == (renewal["id"], "subscription_cycle")
        assert (
            paid["lines"]["data"][0]["period"]["start"]
            == first["lines"]["data"][0]["period"]["end"]
        )

    def test_a_declined_renewal_leaves_the_invoice_open(
        self, stripe_loopback: StripeLoopback
    ) -> None:
        subscription_id = stripe_loopback.pay_checkout(subscription_session(stripe_loopback).id)[
            "subscription"
        ]
        stripe_loopback.renew(subscription_id, payment_method=DECLINING_CARD)
        failed = stripe_loopback.invoice_payment_failed_event(subscription_id)
        invoice = failed["data"]["object"]
        assert failed["type"] == "invoice.payment_failed"
        assert (invoice["status"], invoice["amount_paid"], invoice["amount_due"]) == (
            "open",
            0,
            5900,
        )
        with pytest.raises(ValueError, match="open"):
            stripe_loopback.invoice_paid_event(subscription_id)


class TestEvents:
    def test_the_envelope_is_stripes(self, stripe_loopback: StripeLoopback) -> None:
        event = stripe_loopback.event(
            "charge.succeeded", {"id": "ch_1"}, created=1_800_000_000, event_id="evt_fixed"
        )
        assert event == {
            "id": "evt_fixed",
            "object": "event",
            "api_version": stripe.api_version,
            "created": 1_800_000_000,
            "data": {"object": {"id": "ch_1"}},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": "charge.succeeded",
        }

    def test_completion_and_expiry_events_follow_the_session(
        self, stripe_loopback: StripeLoopback
    ) -> None:
        paid = payment_session(stripe_loopback).id
        lapsed = payment_session(stripe_loopback).id
        with pytest.raises(ValueError, match="open"):
            stripe_loopback.completed_event(paid)
        stripe_loopback.pay_checkout(paid)
        stripe_loopback.expire_checkout(lapsed)
        completed = stripe_loopback.completed_event(paid)
        expired = stripe_loopback.expired_event(lapsed)
        assert completed["type"] == "checkout.session.completed"
        assert completed["data"]["object"]["payment_status"] == "paid"
        assert expired["type"] == "checkout.session.expired"
        assert expired["data"]["object"]["status"] == "expired"

    def test_a_dispute_keeps_its_id_from_creation_to_closing(
        self, stripe_loopback: StripeLoopback
    ) -> None:
        intent_id = stripe_loopback.pay_checkout(payment_session(stripe_loopback).id)[
            "payment_intent"
        ]
        created = stripe_loopback.dispute_event(intent_id, status="needs_response", closed=False)
        closed = stripe_loopback.dispute_event(intent_id, status="lost", closed=True)
        opened, lost = created["data"]["object"], closed["data"]["object"]
        assert (created["type"], closed["type"]) == (
            "charge.dispute.created",
            "charge.dispute.closed",
        )
        assert opened["id"] == lost["id"]
        assert opened["id"].startswith("dp_")
        assert (lost["object"], lost["status"], lost["amount"]) == ("dispute", "lost", 24000)
        assert lost["payment_intent"] == intent_id
        with pytest.raises(ValueError, match="an open dispute"):
            stripe_loopback.dispute_event(intent_id, status="won", closed=False)

    def test_a_subscription_update_reports_what_changed(
        self, stripe_loopback: StripeLoopback
    ) -> None:
        subscription_id = stripe_loopback.pay_checkout(subscription_session(stripe_loopback).id)[
            "subscription"
        ]
        event = stripe_loopback.subscription_updated_event(
            subscription_id, status="past_due", cancel_at_period_end=True
        )
        assert event["type"] == "customer.subscription.updated"
        assert event["data"]["object"]["status"] == "past_due"
        assert event["data"]["previous_attributes"] == {
            "status": "active",
            "cancel_at_period_end": False,
        }
        item = event["data"]["object"]["items"]["data"][0]
        assert item["price"]["unit_amount"] == 5900

    def test_a_deleted_subscription_is_cancelled_in_localstripe(
        self, stripe_loopback: StripeLoopback
    ) -> None:
        subscription_id = stripe_loopback.pay_checkout(subscription_session(stripe_loopback).id)[
            "subscription"
        ]
        event = stripe_loopback.subscription_deleted_event(subscription_id)
        subscription = stripe_loopback.client().v1.subscriptions.retrieve(subscription_id)
        assert event["type"] == "customer.subscription.deleted"
        assert event["data"]["object"]["status"] == "canceled"
        assert subscription.status == "canceled"


class TestSignatures:
    def test_stripes_sdk_accepts_a_signed_event(self, stripe_loopback: StripeLoopback) -> None:
        event = stripe_loopback.event("checkout.session.completed", {"id": "cs_test_1"})
        body, headers = stripe_loopback.signed(event, SECRET)
        verified = stripe.Webhook.construct_event(
            body, headers["Stripe-Signature"], SECRET, tolerance=300
        )
        assert verified.id == event["id"]
        assert json.loads(body) == event
        assert headers["Content-Type"].startswith("application/json")

    def test_a_wrong_secret_is_rejected(self, stripe_loopback: StripeLoopback) -> None:
        body, headers = stripe_loopback.signed(stripe_loopback.event("x.y", {}), SECRET)
        with pytest.raises(stripe.SignatureVerificationError):
            stripe.Webhook.construct_event(
                body, headers["Stripe-Signature"], "whsec_other", tolerance=300
            )

    @pytest.mark.parametrize(("age", "accepted"), [(200, True), (400, False)])
    def test_an_old_timestamp_is_rejected(
        self, stripe_loopback: StripeLoopback, age: int, accepted: bool
    ) -> None:
        body, headers = stripe_loopback.signed(
            stripe_loopback.event("x.y", {}), SECRET, timestamp=int(time.time()) - age
        )
        try:
            stripe.Webhook.construct_event(body, headers["Stripe-Signature"], SECRET, tolerance=300)
        except stripe.SignatureVerificationError:
            assert not accepted
        else:
            assert accepted


OTHER_PROCESS = textwrap.dedent(
    """
    import json, sys
    import stripe
    from tests.payments.stripe_loopback import StripeLoopback

    with StripeLoopback() as loopback:
        client = loopback.client()
        try:
            client.v1.customers.retrieve(sys.argv[1])
            saw_theirs = True
        except stripe.InvalidRequestError:
            saw_theirs = False
        mine = client.v1.customers.create(params={"email": "other@example.com"}).id
        print(json.dumps({
            "customer": mine,
            "saw_theirs": saw_theirs,
            "store_path": str(loopback.store_path),
            "stored_mine": mine.encode() in loopback.store_path.read_bytes(),
        }))
    """
)


class TestIsolation:
    def test_two_processes_share_no_state(self, stripe_loopback: StripeLoopback) -> None:
        ours = stripe_loopback.client().v1.customers.create(params={"email": "us@example.com"})
        other = subprocess.run(  # noqa: S603 - our own interpreter and code
            [sys.executable, "-c", OTHER_PROCESS, ours.id],
            cwd=ROOT,
            capture_output=True,
            check=True,
            timeout=60,
        )
        theirs = json.loads(other.stdout)
        assert theirs["saw_theirs"] is False
        assert theirs["stored_mine"] is True
        assert theirs["store_path"] != str(stripe_loopback.store_path)
        assert LOCALSTRIPES_OWN_FILE not in {theirs["store_path"], str(stripe_loopback.store_path)}
        with pytest.raises(stripe.InvalidRequestError):
            stripe_loopback.client().v1.customers.retrieve(theirs["customer"])
        stored = stripe_loopback.store_path.read_bytes()
        assert ours.id.encode() in stored
        assert theirs["customer"].encode() not in stored
