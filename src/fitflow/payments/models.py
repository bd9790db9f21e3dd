from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from fitflow.kit.db import Base, created_at_column, uuid_pk

ORDER_STATUSES = ("paid", "partially_refunded", "refunded", "voided")
METHODS = ("cash", "card_terminal")


class Order(Base):
    """A plan sold to a member at a price snapshotted when sold, and what that granted:
    a membership (or pass) or a credit lot, which names the order as its source."""

    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint(f"status IN {ORDER_STATUSES!r}", name="status"),
        CheckConstraint(f"method IN {METHODS!r}", name="method"),
        CheckConstraint("amount_minor >= 0", name="amount_not_negative"),
        CheckConstraint(
            "refunded_minor >= 0 AND refunded_minor <= amount_minor", name="refund_in_range"
        ),
        Index(None, "organization_id", "created_at", "id"),
        Index(None, "organization_id", "member_id", "created_at"),
        # An intro offer is sold once per member; a voided sale does not count.
        Index(
            "uq_orders_one_intro_offer_per_member",
            "organization_id",
            "member_id",
            unique=True,
            postgresql_where=text("intro_offer AND status <> 'voided'"),
        ),
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
    paid_at: Mapped[datetime]
    created_at: Mapped[datetime] = created_at_column()


class OrderRefund(Base):
    """Money given back for an order, and what that took back from its grant."""

    __tablename__ = "order_refunds"
    __table_args__ = (
        CheckConstraint("kind IN ('refund', 'void')", name="kind"),
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
    created_at: Mapped[datetime] = created_at_column()
