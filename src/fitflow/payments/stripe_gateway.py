"""Stripe behind the provider interface: Checkout Sessions, refunds and webhook
signatures. The only module that talks to Stripe's SDK."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import stripe

from fitflow.config import StripeSettings
from fitflow.payments.errors import InvalidWebhook, PaymentProviderError
from fitflow.payments.gateway import (
    CheckoutRequest,
    CheckoutStarted,
    RecurringPrice,
    RefundMade,
    RefundRequest,
    SubscriptionTerms,
)


@lru_cache(maxsize=8)
def _client(secret_key: str, api_base: str | None, timeout: float) -> stripe.StripeClient:
    addresses: dict[str, str] = {"api": api_base} if api_base else {}
    return stripe.StripeClient(
        secret_key,
        base_addresses=addresses,  # type: ignore[arg-type]
        http_client=stripe.HTTPXClient(timeout=timeout),
        max_network_retries=2,
    )


class StripeGateway:
    name = "stripe"

    def __init__(self, settings: StripeSettings) -> None:
        if settings.secret_key is None:
            raise ValueError("Stripe needs a secret key")
        self.client = _client(
            settings.secret_key.get_secret_value(), settings.api_base, settings.timeout_seconds
        )

    async def start_checkout(self, request: CheckoutRequest) -> CheckoutStarted:
        """A Checkout Session for the order: one payment, or a subscription for a plan
        billed each period. Stripe keeps the order's ids in the metadata of the session
        and of the payment (or the subscription), which its events carry back."""
        metadata = _metadata(request)
        price: dict[str, Any] = {
            "currency": request.currency.lower(),
            "unit_amount": request.amount_minor,
            "product_data": {"name": request.description},
        }
        params: dict[str, Any] = {
            "line_items": [{"quantity": 1, "price_data": price}],
            "client_reference_id": str(request.order_id),
            "metadata": metadata,
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
            "expires_at": int(request.expires_at.timestamp()),
        }
        if request.billing_period is None:
            params |= {"mode": "payment", "payment_intent_data": {"metadata": metadata}}
        else:
            price["recurring"] = {"interval": request.billing_period}
            params |= {"mode": "subscription", "subscription_data": {"metadata": metadata}}
        if request.customer_email:
            params["customer_email"] = request.customer_email
        created = await _call(
            self.client.v1.checkout.sessions.create_async(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": f"checkout-{request.order_id}"},
            )
        )
        if not created.url:
            raise PaymentProviderError("Stripe opened a checkout without a payment page.")
        return CheckoutStarted(ref=created.id, url=created.url)

    async def update_subscription(self, terms: SubscriptionTerms) -> None:
        """Cancel the subscription now, or bring it to the terms: whether it ends with its
        period, when it next charges and at what price. A later charge date is a trial
        until then without proration (the member already has the days and owes nothing
        for them); a new price is prorated."""
        subscriptions = self.client.v1.subscriptions
        current: dict[str, Any] = (await _call(subscriptions.retrieve_async(terms.ref))).to_dict()
        if current.get("status") == "canceled":
            return
        if terms.cancel_now:
            await _call(subscriptions.cancel_async(terms.ref))
            return
        item = current["items"]["data"][0]
        wanted = terms.price
        if _charge_of(item) != (
            wanted.amount_minor,
            wanted.currency.upper(),
            wanted.billing_period,
        ):
            # On its own: a trial in the same update would turn the proration off.
            price = await self._price(wanted)
            await self._update(
                terms.ref,
                {
                    "items": [{"id": item["id"], "price": price}],
                    "proration_behavior": "create_prorations",
                },
            )
        params: dict[str, Any] = {}
        if bool(current.get("cancel_at_period_end")) != terms.cancel_at_period_end:
            params["cancel_at_period_end"] = terms.cancel_at_period_end
        charge_at = None if terms.next_charge_at is None else int(terms.next_charge_at.timestamp())
        if charge_at is not None and charge_at != _next_charge(current):
            params |= {"trial_end": charge_at, "proration_behavior": "none"}
        if params:
            await self._update(terms.ref, params)

    async def _update(self, ref: str, params: dict[str, Any]) -> None:
        await _call(
            self.client.v1.subscriptions.update_async(ref, params=params)  # type: ignore[arg-type]
        )

    async def invoice_payment_ref(self, invoice_ref: str) -> str | None:
        """The PaymentIntent that paid an invoice (recent API versions keep it on the
        invoice's payments, not on the invoice)."""
        listed = await _call(
            self.client.v1.invoice_payments.list_async(
                params={"invoice": invoice_ref, "status": "paid"}
            )
        )
        for paid in listed.data:
            intent = (paid.to_dict().get("payment") or {}).get("payment_intent")
            if isinstance(intent, str):
                return intent
            if isinstance(intent, dict) and isinstance(intent.get("id"), str):
                return str(intent["id"])
        return None

    async def _price(self, price: RecurringPrice) -> str:
        """A recurring Stripe Price for the terms (its own product, as checkout's are)."""
        created = await _call(
            self.client.v1.prices.create_async(
                params={
                    "currency": price.currency.lower(),
                    "unit_amount": price.amount_minor,
                    "recurring": {"interval": price.billing_period},
                    "product_data": {"name": price.name},
                }
            )
        )
        return str(created.id)

    async def refund(self, request: RefundRequest) -> RefundMade:
        """Refund part or all of a payment. The request's key is Stripe's idempotency key,
        so a retried job never refunds twice."""
        params: dict[str, Any] = {"payment_intent": request.payment_ref}
        if request.amount_minor is not None:
            params["amount"] = request.amount_minor
        if request.refund_id is not None:
            params["metadata"] = {"fitflow_refund_id": str(request.refund_id)}
        try:
            made = await self.client.v1.refunds.create_async(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": request.key},
            )
        except stripe.InvalidRequestError:
            return RefundMade(ref=None, status="failed")
        except stripe.StripeError as error:
            raise PaymentProviderError() from error
        status = made.status or "pending"
        return RefundMade(ref=made.id, status=_refund_status(status))


def _metadata(request: CheckoutRequest) -> dict[str, str]:
    return {
        "fitflow_order_id": str(request.order_id),
        "fitflow_organization_id": str(request.organization_id),
    }


def _charge_of(item: dict[str, Any]) -> tuple[int, str, str]:
    """What a subscription item charges, as (amount, currency, interval): `price` in
    current API versions, `plan` in older ones."""
    price = item.get("price") or item.get("plan") or {}
    interval = (price.get("recurring") or {}).get("interval") or price.get("interval")
    amount = (
        price.get("unit_amount") if price.get("unit_amount") is not None else price.get("amount")
    )
    return int(amount or 0), str(price.get("currency") or "").upper(), str(interval or "")


def _next_charge(subscription: dict[str, Any]) -> int | None:
    """When Stripe charges next: the end of the current period (kept on the item in
    recent API versions, on the subscription in older ones) or of a trial, if later."""
    items = subscription.get("items")
    data = items.get("data") if items else None
    period_end = (data[0].get("current_period_end") if data else None) or subscription.get(
        "current_period_end"
    )
    return max(int(subscription.get("trial_end") or 0), int(period_end or 0)) or None


def _refund_status(stripe_status: str) -> str:
    if stripe_status == "succeeded":
        return "succeeded"
    if stripe_status in {"failed", "canceled"}:
        return "failed"
    return "pending"


async def _call(pending: Any) -> Any:
    try:
        return await pending
    except stripe.StripeError as error:
        raise PaymentProviderError() from error


def verified_event(body: bytes, signature: str, secret: str, tolerance: int) -> dict[str, Any]:
    """The event in a webhook body, once its signature proves Stripe sent it within
    `tolerance` seconds; otherwise 400 `invalid_webhook_signature`."""
    try:
        payload = body.decode("utf-8")
        stripe.WebhookSignature.verify_header(payload, signature, secret, tolerance)
        event: Any = json.loads(payload)
    except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError) as error:
        raise InvalidWebhook() from error
    if not isinstance(event, dict) or not isinstance(event.get("id"), str):
        raise InvalidWebhook("The event has no id.")
    return event
