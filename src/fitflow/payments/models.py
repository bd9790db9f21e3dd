from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from fitflow.kit.db import Base, created_at_column, uuid_pk

ORDER_STATUSES = (
    "pending",
    "paid",
    "partially_refunded",
    "refunded",
    "voided",
    "expired",
    "failed",
)
METHODS = ("cash", "card_terminal", "online")
PROVIDERS = ("desk", "stripe")
FLAGS = ("amount_mismatch", "disputed", "refund_failed")
REFUND_STATUSES = ("pending", "succeeded", "failed")
REFUND_ORIGINS = ("staff", "provider")
SUBSCRIPTION_STATUSES = ("active", "past_due", "suspended", "cancelled")
RENEWING = frozenset({"active", "past_due"})
"""Subscriptions FitFlow still keeps in step with the provider."""


class Order(Base):
    """A plan sold to a member at a price snapshotted when sold, and what that granted:
    a membership (or pass) or a credit lot, which names the order as its source."""

    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint(f"status IN {ORDER_STATUSES!r}", name="status"),
        CheckConstraint(f"method IN {METHODS!r}", name="method"),
        CheckConstraint(f"provider IN {PROVIDERS!r}", name="provider"),
        CheckConstraint(f"flag IS NULL OR flag IN {FLAGS!r}", name="flag"),
        CheckConstraint(
            "(status IN ('pending', 'expired', 'failed')) = (paid_at IS NULL)",
            name="paid_at_when_paid",
        ),
        CheckConstraint("amount_minor >= 0", name="amount_not_negative"),
        CheckConstraint(
            "refunded_minor >= 0 AND refunded_minor <= amount_minor", name="refund_in_range"
        ),
        Index(None, "organization_id", "created_at", "id"),
        Index(None, "organization_id", "member_id", "created_at"),
        # An intro offer is sold once per member; a voided sale or a checkout that was
        # never paid does not count.
        Index(
            "uq_orders_one_intro_offer_per_member",
            "organization_id",
            "member_id",
            unique=True,
            postgresql_where=text("intro_offer AND status NOT IN ('voided', 'expired', 'failed')"),
        ),
        Index("uq_orders_checkout_ref", "provider", "checkout_ref", unique=True),
        Index("uq_orders_invoice_ref", "provider", "invoice_ref", unique=True),
        Index("ix_orders_payment_ref", "provider", "payment_ref"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plans.id", ondelete="RESTRICT"))
    plan_kind: Mapped[str] = mapped_column(String(12))
    description: Mapped[str] = mapped_column(String(200))
    amount_minor: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    intro_offer: Mapped[bool]
    method: Mapped[str] = mapped_column(String(20))
    provider: Mapped[str] = mapped_column(String(10), default="desk", server_default="desk")
    status: Mapped[str] = mapped_column(String(20), default="paid")
    refunded_minor: Mapped[int] = mapped_column(default=0)
    note: Mapped[str | None] = mapped_column(Text)
    created_by_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    granted_membership_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("memberships.id", ondelete="RESTRICT")
    )
    granted_lot_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("credit_lots.id", ondelete="RESTRICT")
    )
    paid_at: Mapped[datetime | None]
    booking_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("bookings.id", ondelete="SET NULL")
    )
    """The held spot a drop-in bought online pays for."""
    checkout_ref: Mapped[str | None] = mapped_column(String(255))
    """The provider's checkout (a Stripe Checkout Session id)."""
    checkout_url: Mapped[str | None] = mapped_column(Text)
    checkout_expires_at: Mapped[datetime | None]
    payment_ref: Mapped[str | None] = mapped_column(String(255))
    """The provider's payment (a Stripe PaymentIntent id), once paid."""
    subscription_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="RESTRICT")
    )
    """The subscription this order started or renewed."""
    invoice_ref: Mapped[str | None] = mapped_column(String(255))
    """The provider's invoice a renewal paid (a Stripe Invoice id)."""
    flag: Mapped[str | None] = mapped_column(String(20))
    """Why staff must look at this order; nothing is granted for an amount mismatch."""
    flag_detail: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    flagged_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_at_column()


class OrderRefund(Base):
    """Money given back for an order, and what that took back from its grant."""

    __tablename__ = "order_refunds"
    __table_args__ = (
        CheckConstraint("kind IN ('refund', 'void')", name="kind"),
        CheckConstraint(f"status IN {REFUND_STATUSES!r}", name="status"),
        CheckConstraint(f"origin IN {REFUND_ORIGINS!r}", name="origin"),
        Index("uq_order_refunds_provider_ref", "provider_ref", unique=True),
        CheckConstraint("amount_minor >= 0", name="amount_not_negative"),
        CheckConstraint("revoked_units >= 0", name="revoked_not_negative"),
        Index(None, "order_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(6))
    amount_minor: Mapped[int]
    reason: Mapped[str] = mapped_column(String(500))
    revoked_units: Mapped[int] = mapped_column(default=0)
    """Credits taken back from the order's lot."""
    membership_ends_at: Mapped[datetime | None]
    """Where the order's membership now ends, when this refund cut it short."""
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(10), default="succeeded", server_default="succeeded")
    """A refund through a provider is pending until the provider has made it."""
    origin: Mapped[str] = mapped_column(String(10), default="staff", server_default="staff")
    """`provider`: made outside FitFlow (in Stripe's dashboard) and learnt from a webhook."""
    provider_ref: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = created_at_column()


class PaymentEvent(Base):
    """A provider's webhook event, stored once by its id before it is handled by a job.
    Not scoped to a studio when it arrives: the handler finds the studio from the event."""

    __tablename__ = "payment_events"
    __table_args__ = (
        CheckConstraint(
            "outcome IS NULL OR outcome IN ('applied', 'ignored', 'flagged', 'refunded')",
            name="outcome",
        ),
        Index(None, "received_at"),
        Index(None, "organization_id", "received_at"),
    )

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    provider: Mapped[str] = mapped_column(String(10))
    type: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    """When the provider created the event (orders state by it, not by arrival)."""
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    received_at: Mapped[datetime] = created_at_column()
    account_id: Mapped[uuid.UUID | None]
    """The studio whose own Stripe account sent the event (None: the platform's); its
    events may speak only of that studio's orders."""
    organization_id: Mapped[uuid.UUID | None]
    """The studio the event names; not a foreign key, since an event may name a studio
    (or order) that no longer exists, and must still be kept."""
    handled_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(10))
    detail: Mapped[str | None] = mapped_column(Text)


class Subscription(Base):
    """A member's recurring payment for an unlimited plan at a provider. Each period the
    provider collects becomes an order and a membership; FitFlow's membership changes
    (cancel, freeze) are pushed to the provider, and the provider's news pulled back.

    A renewal that fails opens a grace period: the latest membership is extended to
    `grace_until` and its paid end kept in `paid_until`; past the grace the subscription
    is suspended. A renewal paid later takes the grace back into the new period."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        CheckConstraint(f"status IN {SUBSCRIPTION_STATUSES!r}", name="status"),
        CheckConstraint("(grace_until IS NULL) = (paid_until IS NULL)", name="grace_has_paid_end"),
        Index("uq_subscriptions_provider_ref", "provider", "provider_ref", unique=True),
        Index(None, "organization_id", "member_id"),
        Index(None, "status", "grace_until"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plans.id", ondelete="RESTRICT"))
    provider: Mapped[str] = mapped_column(String(10))
    provider_ref: Mapped[str] = mapped_column(String(255))
    customer_ref: Mapped[str | None] = mapped_column(String(255))
    amount_minor: Mapped[int]
    """What each period costs, snapshotted at checkout and changed only by a plan change
    (a later change to the plan's price does not reach running subscriptions)."""
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(10), default="active")
    cancel_at_period_end: Mapped[bool] = mapped_column(default=False)
    grace_until: Mapped[datetime | None]
    paid_until: Mapped[datetime | None]
    """Where the latest membership ended before a grace period extended it."""
    provider_updated_at: Mapped[datetime | None]
    """When the provider created the newest state event applied; older ones are ignored."""
    suspended_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_at_column()
