"""The test-side API: start the loopback, act as the paying customer, and build the events
Stripe would send about what happened."""

from __future__ import annotations

import copy
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar

import stripe
from dateutil.relativedelta import relativedelta

from tests.payments.stripe_loopback import events
from tests.payments.stripe_loopback.api import LoopbackApi, LoopbackApiError
from tests.payments.stripe_loopback.checkout import Checkout, Session, new_id
from tests.payments.stripe_loopback.localstripe_app import resources
from tests.payments.stripe_loopback.server import (
    ServerThread,
    build_app,
    isolate_store,
    restore_store,
)

DECLINING_CARD = "pm_card_chargeDeclined"
SEPA_DEBIT = "pm_sepa_debit"
SEPA_DEBIT_FAILING = "pm_sepa_debit_failing"
DECLINED = 402
_ALIASES = {DECLINING_CARD: "pm_card_chargeCustomerFail"}
_SEPA_IBANS = {SEPA_DEBIT: "DE89370400440532013000", SEPA_DEBIT_FAILING: "DE62370400440532013001"}


class CheckoutDeclined(Exception):
    """The customer's payment was declined; the session stays open and unpaid."""

    def __init__(self, session: dict[str, Any], payment_intent: str | None, message: str) -> None:
        super().__init__(message)
        self.session = session
        self.payment_intent = payment_intent


class StripeLoopback:
    """localstripe plus Checkout Sessions and Prices on 127.0.0.1, one per process
    (localstripe keeps its objects in module globals). Use it as a context manager."""

    _active: ClassVar[StripeLoopback | None] = None

    def __init__(self) -> None:
        self._checkout = Checkout()
        self._server = ServerThread(build_app(self._checkout))
        self._disputes: dict[str, str] = {}
        self._renewals: set[str] = set()
        self.base_url = ""
        self.store_path = Path()

    def __enter__(self) -> StripeLoopback:
        if StripeLoopback._active is not None:
            raise RuntimeError("one StripeLoopback per process: localstripe's store is global")
        StripeLoopback._active = self
        self._directory = Path(tempfile.mkdtemp(prefix="fitflow-localstripe-"))
        self.store_path = isolate_store(self._directory)
        self.base_url = self._server.start()
        self._api = LoopbackApi(self.base_url)
        self.reset()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._api.close()
        self._server.stop()
        restore_store()
        shutil.rmtree(self._directory, ignore_errors=True)
        StripeLoopback._active = None

    def client(self, key: str = "sk_test_fitflow") -> stripe.StripeClient:
        return stripe.StripeClient(key, base_addresses={"api": self.base_url})

    def reset(self) -> None:
        """Forget every object: localstripe's, the prices and sessions, disputes and renewals."""
        self._api.delete("/_config/data")
        self._server.call(self._checkout.clear)
        self._disputes.clear()
        self._renewals.clear()

    def checkout_session(self, session_id: str) -> dict[str, Any]:
        return self._session(session_id).public

    def checkout_key(self, session_id: str) -> str:
        """The secret key that opened a session, which says whose Stripe account it is in
        (localstripe itself keeps one store for every key)."""
        return self._session(session_id).api_key

    def pay_checkout(
        self, session_id: str, *, payment_method: str = "pm_card_visa", amount: int | None = None
    ) -> dict[str, Any]:
        """What Stripe does when the customer pays: a confirmed PaymentIntent for `amount`
        (default the session's total) with `payment_intent_data[metadata]`, or a customer
        and subscription with `subscription_data[metadata]`. Raises CheckoutDeclined on a
        decline. `SEPA_DEBIT` and `SEPA_DEBIT_FAILING` pay later: the session completes
        unpaid, and `async_payment_event` settles it."""
        session = self._session(session_id)
        if session.public["status"] != "open":
            raise ValueError(f"{session_id} is {session.public['status']}, not open")
        method = self._payment_method(payment_method)
        if session.public["mode"] == "payment":
            return self._pay_once(session, method, amount)
        return self._subscribe(session, method)

    def expire_checkout(self, session_id: str) -> dict[str, Any]:
        return self._api.post(f"/v1/checkout/sessions/{session_id}/expire")

    def renew(self, subscription_id: str, *, payment_method: str | None = None) -> dict[str, Any]:
        """Bill the subscription's next period, as Stripe does at its end: an invoice for the
        plan's amount charged to the customer's default card (set to `payment_method` first
        when given). Returns the invoice, paid or open after a decline. localstripe keeps
        the subscription active after a decline, where Stripe makes it past_due: say so with
        `subscription_updated_event(subscription_id, status="past_due")`."""
        sub = self._api.get(f"/v1/subscriptions/{subscription_id}")
        if payment_method is not None:
            self._set_default_method(sub["customer"], self._payment_method(payment_method)["id"])
        latest = self._api.get(f"/v1/invoices/{sub['latest_invoice']}")
        plan = sub["plan"]
        start = latest["lines"]["data"][0]["period"]["end"]
        end = _period_end(start, plan["interval"], plan["interval_count"])
        self._api.post(
            "/v1/invoiceitems",
            {
                "customer": sub["customer"],
                "subscription": subscription_id,
                "plan": plan["id"],
                "amount": plan["amount"] * sub["quantity"],
                "currency": plan["currency"],
                "period_start": start,
                "period_end": end,
                "description": plan["name"],
            },
        )
        invoice_id = self._server.call(lambda: _renewal_invoice(sub["customer"], subscription_id))
        self._renewals.add(invoice_id)
        return self._api.post(f"/v1/invoices/{invoice_id}/pay")

    def retry_renewal(self, subscription_id: str, *, payment_method: str) -> dict[str, Any]:
        """Stripe's retry of a declined renewal, after the customer set `payment_method` as
        their card: the same open invoice, paid (or still open after another decline)."""
        sub = self._api.get(f"/v1/subscriptions/{subscription_id}")
        invoice = self._api.get(f"/v1/invoices/{sub['latest_invoice']}")
        if invoice["status"] != "open":
            raise ValueError(f"the latest invoice of {subscription_id} is {invoice['status']}")
        self._set_default_method(sub["customer"], self._payment_method(payment_method)["id"])
        return self._api.post(f"/v1/invoices/{invoice['id']}/pay")

    def event(
        self,
        type: str,
        obj: dict[str, Any],
        *,
        created: int | None = None,
        event_id: str | None = None,
        previous_attributes: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Stripe's Event envelope around `obj`."""
        return events.envelope(
            type,
            obj,
            created=created,
            event_id=event_id,
            previous_attributes=previous_attributes,
        )

    def signed(
        self, event: dict[str, Any], secret: str, *, timestamp: int | None = None
    ) -> tuple[bytes, dict[str, str]]:
        """The raw body and headers Stripe would POST to a webhook endpoint."""
        return events.signed(event, secret, timestamp=timestamp)

    def completed_event(self, session_id: str) -> dict[str, Any]:
        session = self.checkout_session(session_id)
        if session["status"] != "complete":
            raise ValueError(f"{session_id} is {session['status']}: Stripe sends no completion")
        return self.event("checkout.session.completed", session)

    def expired_event(self, session_id: str) -> dict[str, Any]:
        session = self.checkout_session(session_id)
        if session["status"] != "expired":
            raise ValueError(f"{session_id} is {session['status']}, not expired")
        return self.event("checkout.session.expired", session)

    def async_payment_event(self, session_id: str, succeeded: bool) -> dict[str, Any]:
        """The delayed payment settled: the session becomes paid (or stays unpaid) and the
        event says so. localstripe settles the PaymentIntent by itself, by the IBAN behind
        `SEPA_DEBIT` (succeeds) or `SEPA_DEBIT_FAILING` (fails half a second later)."""
        session = self.checkout_session(session_id)
        if session["status"] != "complete" or session["payment_status"] != "unpaid":
            raise ValueError(f"{session_id} has no payment pending")
        status = "paid" if succeeded else "unpaid"
        settled = self._server.call(
            lambda: self._checkout.update(session_id, payment_status=status)
        )
        outcome = "succeeded" if succeeded else "failed"
        return self.event(f"checkout.session.async_payment_{outcome}", settled)

    def charge_refunded_event(self, payment_intent_id: str) -> dict[str, Any]:
        """charge.refunded with the charge and its refunds as they stand in localstripe."""
        charge = self._charge(payment_intent_id)
        if not charge["amount_refunded"]:
            raise ValueError(f"{payment_intent_id} has no refund")
        return self.event("charge.refunded", charge)

    def dispute_event(
        self, payment_intent_id: str, *, status: str, closed: bool, reason: str = "fraudulent"
    ) -> dict[str, Any]:
        """charge.dispute.created or .closed; one dispute id per payment intent."""
        if status not in events.DISPUTE_STATUSES:
            raise ValueError(f"not a dispute status: {status}")
        if closed != (status in events.CLOSED_DISPUTE_STATUSES):
            state = "a closed" if closed else "an open"
            raise ValueError(f"{status} is not the status of {state} dispute")
        dispute_id = self._disputes.setdefault(payment_intent_id, new_id("dp_"))
        dispute = events.dispute(
            dispute_id, self._charge(payment_intent_id), status=status, reason=reason
        )
        return self.event(f"charge.dispute.{'closed' if closed else 'created'}", dispute)

    def payment_failed_event(self, payment_intent_id: str) -> dict[str, Any]:
        intent = self._payment_intent(payment_intent_id)
        if intent["last_payment_error"] is None:
            raise ValueError(f"{payment_intent_id} has not failed")
        return self.event("payment_intent.payment_failed", intent)

    def invoice_paid_event(self, subscription_id: str) -> dict[str, Any]:
        """invoice.paid for the subscription's latest invoice (the first, or `renew`'s)."""
        return self.event("invoice.paid", self._latest_invoice(subscription_id, "paid"))

    def invoice_payment_failed_event(self, subscription_id: str) -> dict[str, Any]:
        """invoice.payment_failed for the latest invoice, left open by a declined card."""
        invoice = self._latest_invoice(subscription_id, "open")
        return self.event("invoice.payment_failed", invoice)

    def subscription_updated_event(
        self, subscription_id: str, *, created: int | None = None, **changes: Any
    ) -> dict[str, Any]:
        """customer.subscription.updated with `changes` applied to the subscription as it
        stands and its former values as previous_attributes. localstripe cannot hold most
        such states (past_due, cancel_at_period_end), so they live in the event only."""
        sub = self._subscription(subscription_id)
        previous = {name: sub.get(name) for name in changes}
        return self.event(
            "customer.subscription.updated",
            {**sub, **changes},
            created=created,
            previous_attributes=previous,
        )

    def subscription_deleted_event(self, subscription_id: str) -> dict[str, Any]:
        """Cancel the subscription in localstripe (as from Stripe's dashboard), then
        customer.subscription.deleted."""
        if self._subscription(subscription_id)["status"] != "canceled":
            self._api.delete(f"/v1/subscriptions/{subscription_id}")
        return self.event("customer.subscription.deleted", self._subscription(subscription_id))

    def _session(self, session_id: str) -> Session:
        """A copy of the session, safe to read on this thread."""
        found = self._server.call(lambda: copy.deepcopy(self._checkout.sessions.get(session_id)))
        if found is None:
            raise LookupError(f"no checkout session {session_id}")
        return found

    def _settle(self, session_id: str, **fields: Any) -> dict[str, Any]:
        return self._server.call(lambda: self._checkout.update(session_id, **fields))

    def _payment_method(self, alias: str) -> dict[str, Any]:
        """A stored payment method for a Stripe test alias (or an existing id)."""
        if alias in _SEPA_IBANS:
            body = {"type": "sepa_debit", "sepa_debit": {"iban": _SEPA_IBANS[alias]}}
            return self._api.post("/v1/payment_methods", body)
        return self._api.get(f"/v1/payment_methods/{_ALIASES.get(alias, alias)}")

    def _pay_once(
        self, session: Session, method: dict[str, Any], amount: int | None
    ) -> dict[str, Any]:
        public = session.public
        body: dict[str, Any] = {
            "amount": public["amount_total"] if amount is None else amount,
            "currency": public["currency"],
            "payment_method": method["id"],
            "metadata": session.payment_intent_metadata,
        }
        if public["customer"] is not None:
            body["customer"] = public["customer"]
        intent = self._api.post("/v1/payment_intents", body)
        try:
            confirmed = self._api.post(f"/v1/payment_intents/{intent['id']}/confirm")
        except LoopbackApiError as declined:
            if declined.status != DECLINED:
                raise
            linked = self._settle(public["id"], payment_intent=intent["id"])
            raise CheckoutDeclined(linked, intent["id"], str(declined)) from declined
        delayed = confirmed["status"] == "processing" or method["type"] == "sepa_debit"
        return self._settle(
            public["id"],
            **_completion(public),
            payment_intent=intent["id"],
            payment_status="unpaid" if delayed else "paid",
        )

    def _subscribe(self, session: Session, method: dict[str, Any]) -> dict[str, Any]:
        public = session.public
        customer = (
            public["customer"]
            or self._api.post("/v1/customers", {"email": public["customer_email"]})["id"]
        )
        item = session.items[0]
        try:
            self._set_default_method(customer, method["id"])
            sub = self._api.post(
                "/v1/subscriptions",
                {
                    "customer": customer,
                    "items": [{"plan": item.price["id"], "quantity": item.quantity}],
                    "metadata": session.subscription_metadata,
                },
            )
        except LoopbackApiError as declined:
            if declined.status != DECLINED:
                raise
            raise CheckoutDeclined(public, None, str(declined)) from declined
        invoice = self._api.get(f"/v1/invoices/{sub['latest_invoice']}")
        if sub["status"] != "active":
            self._api.post(f"/v1/invoices/{invoice['id']}/void")
            raise CheckoutDeclined(public, invoice["payment_intent"], "Your card was declined.")
        return self._settle(
            public["id"],
            **_completion(public),
            customer=customer,
            subscription=sub["id"],
            invoice=invoice["id"],
            payment_status="paid" if invoice["status"] == "paid" else "unpaid",
        )

    def _set_default_method(self, customer: str, method: str) -> None:
        self._api.post(f"/v1/payment_methods/{method}/attach", {"customer": customer})
        self._api.post(
            f"/v1/customers/{customer}", {"invoice_settings": {"default_payment_method": method}}
        )

    def _payment_intent(self, payment_intent_id: str) -> dict[str, Any]:
        return events.payment_intent(self._api.get(f"/v1/payment_intents/{payment_intent_id}"))

    def _charge(self, payment_intent_id: str) -> dict[str, Any]:
        charge_id = self._payment_intent(payment_intent_id)["latest_charge"]
        if charge_id is None:
            raise ValueError(f"{payment_intent_id} has no charge")
        return events.charge(self._api.get(f"/v1/charges/{charge_id}"))

    def _subscription(self, subscription_id: str) -> dict[str, Any]:
        raw = self._api.get(f"/v1/subscriptions/{subscription_id}")
        prices = self._server.call(lambda: dict(self._checkout.prices))
        return events.subscription(raw, prices)

    def _latest_invoice(self, subscription_id: str, status: str) -> dict[str, Any]:
        sub = self._subscription(subscription_id)
        raw = self._api.get(f"/v1/invoices/{sub['latest_invoice']}")
        if raw["status"] != status:
            raise ValueError(f"the latest invoice of {subscription_id} is {raw['status']}")
        reason = "subscription_cycle" if raw["id"] in self._renewals else "subscription_create"
        return events.invoice(raw, sub, billing_reason=reason)


def _renewal_invoice(customer: str, subscription_id: str) -> str:
    """An invoice of the customer's pending items (localstripe's own POST /v1/invoices
    would bill the subscription's first period again)."""
    invoice_id: str = resources.Invoice(customer=customer, subscription=subscription_id).id
    return invoice_id


def _period_end(start: int, interval: str, count: int) -> int:
    step = {
        "day": relativedelta(days=count),
        "week": relativedelta(weeks=count),
        "month": relativedelta(months=count),
        "year": relativedelta(years=count),
    }[interval]
    return int((datetime.fromtimestamp(start, UTC) + step).timestamp())


def _completion(public: dict[str, Any]) -> dict[str, Any]:
    return {
        "status": "complete",
        "url": None,
        "customer_details": {"email": public["customer_email"]},
    }
