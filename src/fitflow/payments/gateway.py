"""The payment provider interface. Bookings and credits never see a provider: payments
asks one to open a checkout or to give money back, and learns the outcome from the
provider's events. Stripe takes money online; the desk takes it in person, where a
refund is money handed back and only recorded."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class CheckoutRequest:
    order_id: uuid.UUID
    organization_id: uuid.UUID
    description: str
    amount_minor: int
    currency: str
    customer_email: str | None
    success_url: str
    cancel_url: str
    expires_at: datetime
    billing_period: str | None = None
    """`month` or `year`: a subscription that charges the amount each period; None: one
    payment."""


@dataclass(frozen=True)
class CheckoutStarted:
    ref: str
    url: str


@dataclass(frozen=True)
class RefundRequest:
    key: str
    """Names the refund to the provider, so a refund asked twice is made once; FitFlow's
    refund id, or the payment's for a payment returned whole."""
    payment_ref: str
    amount_minor: int | None
    """None: all that is left of the payment."""
    refund_id: uuid.UUID | None = None
    """FitFlow's refund, which the provider's refund event names."""


@dataclass(frozen=True)
class RefundMade:
    ref: str | None
    status: str
    """`succeeded`, `pending` (the provider finishes it later) or `failed`."""


@dataclass(frozen=True)
class RecurringPrice:
    amount_minor: int
    currency: str
    billing_period: str
    name: str


@dataclass(frozen=True)
class SubscriptionTerms:
    """What FitFlow wants of a subscription at its provider, all of it at once, so that
    pushing the same terms again changes nothing."""

    ref: str
    cancel_now: bool
    cancel_at_period_end: bool
    next_charge_at: datetime | None
    """When the next period is to be charged: the end of the paid membership, which a
    freeze pushes back. None: leave the provider's schedule alone."""
    price: RecurringPrice
    """What each period costs; a change (a plan change) is prorated by the provider."""


class PaymentProvider(Protocol):
    name: str

    async def start_checkout(self, request: CheckoutRequest) -> CheckoutStarted: ...

    async def refund(self, request: RefundRequest) -> RefundMade: ...

    async def update_subscription(self, terms: SubscriptionTerms) -> None: ...

    async def invoice_payment_ref(self, invoice_ref: str) -> str | None: ...


@dataclass(frozen=True)
class Handled:
    outcome: str
    """`applied`, `ignored`, `flagged` or `refunded` (the payment went back whole)."""
    detail: str | None = None


@dataclass(frozen=True)
class PaymentSeen:
    payment_ref: str
    amount_minor: int
    currency: str


@dataclass(frozen=True)
class RefundSeen:
    ref: str
    amount_minor: int
    status: str
    """`succeeded`, `pending` or `failed`, as the provider reports it."""
    refund_id: uuid.UUID | None
    """FitFlow's refund, when FitFlow asked for it."""


@dataclass(frozen=True)
class DisputeSeen:
    ref: str
    status: str
    closed: bool
    amount_minor: int
    reason: str | None


@dataclass(frozen=True)
class InvoiceSeen:
    """A subscription's invoice: the first period's or a renewal's."""

    ref: str
    subscription_ref: str
    customer_ref: str | None
    payment_ref: str | None
    amount_minor: int
    currency: str
    reason: str
    """Stripe's billing reason: `subscription_create` (the first period),
    `subscription_cycle` (a renewal), or another charge (`subscription_update`, ...)."""
    at: datetime


@dataclass(frozen=True)
class SubscriptionSeen:
    ref: str
    status: str
    """The provider's own word: `active`, `past_due`, `unpaid`, `canceled`, ..."""
    cancel_at_period_end: bool
    at: datetime
    """When the provider said so (its event's time)."""
