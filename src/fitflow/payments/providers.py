"""Which provider handles an order's money: Stripe online, the desk in person."""

from __future__ import annotations

import uuid

from fitflow.config import get_settings
from fitflow.payments.errors import OnlinePaymentsUnavailable
from fitflow.payments.gateway import (
    CheckoutRequest,
    CheckoutStarted,
    PaymentProvider,
    RefundMade,
    RefundRequest,
    SubscriptionTerms,
)
from fitflow.payments.stripe_gateway import StripeGateway


class DeskProvider:
    """Money taken at the desk: given back at the desk too, so a refund is recorded as
    made."""

    name = "desk"

    async def start_checkout(self, request: CheckoutRequest) -> CheckoutStarted:
        raise OnlinePaymentsUnavailable("The desk takes no online checkout.")

    async def refund(self, request: RefundRequest) -> RefundMade:
        return RefundMade(ref=None, status="succeeded")

    async def update_subscription(self, terms: SubscriptionTerms) -> None:
        raise OnlinePaymentsUnavailable("The desk keeps no subscriptions.")

    async def invoice_payment_ref(self, invoice_ref: str) -> str | None:
        raise OnlinePaymentsUnavailable("The desk keeps no subscriptions.")


def provider(name: str, organization_id: uuid.UUID | None) -> PaymentProvider:
    """The provider that took a studio's money."""
    if name == "desk":
        return DeskProvider()
    return online(organization_id)


def online_enabled(organization_id: uuid.UUID | None) -> bool:
    return get_settings().stripe.for_studio(organization_id).enabled


def online(organization_id: uuid.UUID | None) -> PaymentProvider:
    """The studio's online provider (its own Stripe account, or the platform's), or 409
    `online_payments_unavailable` when none is set up."""
    settings = get_settings().stripe.for_studio(organization_id)
    if not settings.enabled:
        raise OnlinePaymentsUnavailable()
    return StripeGateway(settings)
