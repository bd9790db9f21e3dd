from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from fitflow.kit.schemas import Strict

Reason = Annotated[str, Field(min_length=1, max_length=500)]


class DeskOrderCreate(Strict):
    member_id: uuid.UUID
    plan_id: uuid.UUID
    method: Literal["cash", "card_terminal"] = Field(description="How the desk took the money")
    note: str | None = Field(None, max_length=2000)


class RefundCreate(Strict):
    amount_minor: int = Field(ge=1, le=100_000_000, description="In the currency's minor unit")
    reason: Reason


class VoidRequest(Strict):
    reason: Reason


class RefundRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: Literal["refund", "void"]
    amount_minor: int
    reason: str
    revoked_units: int = Field(description="Credit units taken back from the order's lot")
    membership_ends_at: datetime | None = Field(
        description="Where the order's membership now ends, when the refund cut it short"
    )
    actor_user_id: uuid.UUID | None
    status: Literal["pending", "succeeded", "failed"] = Field(
        description="A refund through Stripe is pending until Stripe has made it"
    )
    origin: Literal["staff", "provider"] = Field(
        description="`provider`: made in Stripe's dashboard, learnt from its event"
    )
    created_at: datetime


class OrderRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    member_id: uuid.UUID
    plan_id: uuid.UUID
    plan_kind: Literal["unlimited", "class_pack", "drop_in"]
    description: str
    amount_minor: int
    currency: str
    intro_offer: bool
    method: Literal["cash", "card_terminal", "online"]
    provider: Literal["desk", "stripe"]
    status: Literal[
        "pending", "paid", "partially_refunded", "refunded", "voided", "expired", "failed"
    ] = Field(description="`pending`: an online checkout not paid yet")
    refunded_minor: int
    flag: Literal["amount_mismatch", "disputed", "refund_failed"] | None = Field(
        description="Why staff should look at this order"
    )
    flag_detail: dict[str, Any] | None = Field(description="What the flag is about")
    payment_ref: str | None = Field(description="The provider's payment (Stripe PaymentIntent)")
    subscription_id: uuid.UUID | None = Field(
        None, description="The subscription this order started or renewed"
    )
    note: str | None
    granted_membership_id: uuid.UUID | None
    granted_lot_id: uuid.UUID | None
    created_by_user_id: uuid.UUID | None
    paid_at: datetime | None
    created_at: datetime
    refunds: list[RefundRead] = []


class CheckoutCreate(Strict):
    success_url: str | None = Field(
        None,
        max_length=2000,
        pattern=r"^https?://",
        description="Where Stripe sends the member after paying (default: the studio's page)",
    )
    cancel_url: str | None = Field(None, max_length=2000, pattern=r"^https?://")


class CheckoutRead(BaseModel):
    order_id: uuid.UUID
    checkout_url: str = Field(description="Stripe's payment page; send the member there")
    expires_at: datetime = Field(description="When the payment page closes unpaid")


class WebhookReceived(BaseModel):
    received: bool = True
    duplicate: bool = Field(description="The event had already been received")


class SubscriptionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    member_id: uuid.UUID
    plan_id: uuid.UUID
    provider: Literal["stripe"]
    provider_ref: str = Field(description="The subscription at the provider (Stripe's sub_...)")
    customer_ref: str | None = Field(description="The customer at the provider (cus_...)")
    amount_minor: int = Field(description="What each period costs")
    currency: str
    status: Literal["active", "past_due", "suspended", "cancelled"] = Field(
        description="`past_due`: a renewal failed and the grace period runs until `grace_until`"
    )
    cancel_at_period_end: bool
    grace_until: datetime | None
    suspended_at: datetime | None
    cancelled_at: datetime | None
    created_at: datetime


class PlanChange(Strict):
    plan_id: uuid.UUID = Field(description="Another plan billed over the same period")
