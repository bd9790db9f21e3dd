"""Stripe's Event envelope, its webhook signature, and the reshaping of localstripe's objects
into what the pinned Stripe API version sends."""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

import stripe

DISPUTE_STATUSES = {
    "warning_needs_response",
    "warning_under_review",
    "warning_closed",
    "needs_response",
    "under_review",
    "won",
    "lost",
}
CLOSED_DISPUTE_STATUSES = {"warning_closed", "won", "lost"}


def envelope(
    type_: str,
    obj: dict[str, Any],
    *,
    created: int | None = None,
    event_id: str | None = None,
    previous_attributes: dict[str, Any] | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {"object": obj}
    if previous_attributes is not None:
        data["previous_attributes"] = previous_attributes
    return {
        "id": event_id or "evt_" + secrets.token_hex(12),
        "object": "event",
        "api_version": stripe.api_version,
        "created": int(time.time()) if created is None else created,
        "data": data,
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": type_,
    }


def signed(
    event: dict[str, Any], secret: str, *, timestamp: int | None = None
) -> tuple[bytes, dict[str, str]]:
    """The raw body and the headers Stripe would POST to a webhook endpoint."""
    payload = json.dumps(event, indent=2)
    header = stripe.WebhookSignature.generate_signature_header(
        payload, secret, timestamp=int(time.time()) if timestamp is None else timestamp
    )
    return payload.encode(), {
        "Stripe-Signature": header,
        "Content-Type": "application/json; charset=utf-8",
    }


def payment_intent(raw: dict[str, Any]) -> dict[str, Any]:
    """localstripe embeds the latest charge and the list of charges removed in 2022-11-15;
    Stripe sends the charge's id only."""
    shaped = {key: value for key, value in raw.items() if key != "charges"}
    charge = raw.get("latest_charge")
    shaped["latest_charge"] = charge["id"] if isinstance(charge, dict) else charge
    return shaped


def charge(raw: dict[str, Any]) -> dict[str, Any]:
    """A charge with `amount_captured`, which localstripe lacks."""
    captured = raw["amount"] if raw.get("captured") and raw.get("status") == "succeeded" else 0
    return {**raw, "amount_captured": captured}


def dispute(
    dispute_id: str, charge_obj: dict[str, Any], *, status: str, reason: str
) -> dict[str, Any]:
    return {
        "id": dispute_id,
        "object": "dispute",
        "amount": charge_obj["amount"],
        "balance_transactions": [],
        "charge": charge_obj["id"],
        "created": int(time.time()),
        "currency": charge_obj["currency"],
        "evidence": {},
        "evidence_details": {"due_by": None, "has_evidence": False, "past_due": False},
        "is_charge_refundable": False,
        "livemode": False,
        "metadata": {},
        "payment_intent": charge_obj["payment_intent"],
        "reason": reason,
        "status": status,
    }


def subscription(raw: dict[str, Any], prices: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A subscription whose items carry their price and period, as Stripe's do."""
    items = raw["items"]
    data = [
        {
            **item,
            "price": prices.get(item["plan"]["id"]),
            "current_period_start": raw["current_period_start"],
            "current_period_end": raw["current_period_end"],
        }
        for item in items["data"]
    ]
    return {**raw, "items": {**items, "data": data}}


def invoice(raw: dict[str, Any], sub: dict[str, Any], *, billing_reason: str) -> dict[str, Any]:
    """An invoice with the subscription's metadata where Stripe puts it (the parent's
    subscription details and every subscription line) and the billing reason."""
    details = {"subscription": sub["id"], "metadata": sub["metadata"]}
    lines = raw["lines"]
    data = [{**line, "metadata": dict(sub["metadata"])} for line in lines["data"]]
    charge = raw.get("charge")
    return {
        **raw,
        "billing_reason": billing_reason,
        "charge": charge["id"] if isinstance(charge, dict) else charge,
        "lines": {**lines, "data": data},
        "parent": {
            "type": "subscription_details",
            "quote_details": None,
            "subscription_details": details,
        },
    }
