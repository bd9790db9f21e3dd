"""A Stripe on loopback for the payment tests: localstripe, plus this package's own
Checkout Sessions and Prices endpoints, which localstripe lacks (it answers 404 to both),
served together on 127.0.0.1 and spoken to with Stripe's own Python SDK. Webhook payloads
are Stripe Event envelopes built from the objects as they stand in localstripe, signed with
Stripe's scheme. Nothing reaches the internet.

As in Stripe, the PaymentIntent of a paid session carries `payment_intent_data[metadata]`
and the subscription `subscription_data[metadata]`, not the session's own metadata. Test
cards: `pm_card_visa`, `DECLINING_CARD` ("pm_card_chargeDeclined"); `SEPA_DEBIT` and
`SEPA_DEBIT_FAILING` pay later. One loopback per process: localstripe keeps its objects in
module globals.

    with StripeLoopback() as stripe_loopback:
        client = stripe_loopback.client()
        price = client.v1.prices.create(params={...})
        session = client.v1.checkout.sessions.create(params={...})
        stripe_loopback.pay_checkout(session.id)
        body, headers = stripe_loopback.signed(stripe_loopback.completed_event(session.id), secret)
"""

from tests.payments.stripe_loopback.api import LoopbackApiError
from tests.payments.stripe_loopback.harness import (
    DECLINING_CARD,
    SEPA_DEBIT,
    SEPA_DEBIT_FAILING,
    CheckoutDeclined,
    StripeLoopback,
)

__all__ = [
    "DECLINING_CARD",
    "SEPA_DEBIT",
    "SEPA_DEBIT_FAILING",
    "CheckoutDeclined",
    "LoopbackApiError",
    "StripeLoopback",
]
