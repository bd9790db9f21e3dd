from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from fitflow.kit.db import Base, created_at_column, uuid_pk


class Membership(Base):
    """A member's instance of an unlimited plan or a drop-in pass, valid over
    `[valid_from, min(valid_until, cancel_at))`. Whether it is active, frozen, cancelled
    or expired follows from these instants and its freezes; `status` is the last state a
    writer or the tidy-up job recorded, for filtering, never for deciding."""

    __tablename__ = "memberships"
    __table_args__ = (
        CheckConstraint("kind IN ('unlimited', 'drop_in')", name="kind"),
        CheckConstraint("status IN ('active', 'frozen', 'cancelled', 'expired')", name="status"),
        CheckConstraint("valid_from < valid_until", name="window_not_empty"),
        CheckConstraint("class_allowance IS NULL OR class_allowance > 0", name="allowance"),
        CheckConstraint(
            "classes_used >= 0 AND (class_allowance IS NULL OR classes_used <= class_allowance)",
            name="classes_used_within_allowance",
        ),
        CheckConstraint("weekly_class_cap IS NULL OR weekly_class_cap > 0", name="weekly_cap"),
        UniqueConstraint("organization_id", "source_type", "source_id"),
        Index(None, "organization_id", "member_id", "valid_until"),
        Index(None, "organization_id", "status", "valid_until"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plans.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default="active")
    valid_from: Mapped[datetime]
    valid_until: Mapped[datetime]
    cancel_at: Mapped[datetime | None]
    """Coverage stops here when cancelled: now, or at the end of the period."""
    cancel_requested_at: Mapped[datetime | None]
    """When the member (or staff for them) cancelled. A refund that cuts the membership
    short sets `cancel_at` only: the subscription renewing it goes on."""
    weekly_class_cap: Mapped[int | None]
    class_allowance: Mapped[int | None]
    """How many classes a pass pays for (1 for a drop-in); unlimited memberships have none."""
    classes_used: Mapped[int] = mapped_column(default=0)
    """Live bookings paid by this membership; PostgreSQL keeps it within the allowance."""
    class_type_ids: Mapped[list[uuid.UUID] | None] = mapped_column(ARRAY(UUID(as_uuid=True)))
    source_type: Mapped[str] = mapped_column(String(40))
    source_id: Mapped[str] = mapped_column(String(80))
    subscription_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="SET NULL"), index=True
    )
    """The subscription that paid this period and renews it."""
    expiry_warned_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_at_column()


class MembershipFreeze(Base):
    """A pause over the local days `[starts_on, ends_on)`, during which the membership
    pays for nothing; its days were added to `valid_until` when it was asked for, and
    an early unfreeze gives the unused ones back."""

    __tablename__ = "membership_freezes"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        Index(None, "membership_id", "starts_on"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    membership_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("memberships.id", ondelete="CASCADE")
    )
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    ended_early_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_at_column()

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days
