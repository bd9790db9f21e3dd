from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from fitflow.kit.db import Base, created_at_column, uuid_pk

PLAN_SHAPE = (
    "(kind = 'class_pack' AND credit_units IS NOT NULL AND credit_units > 0"
    " AND validity_days IS NOT NULL AND validity_days > 0"
    " AND validity_starts IS NOT NULL AND billing_period IS NULL AND weekly_class_cap IS NULL)"
    " OR (kind = 'unlimited' AND credit_units IS NULL AND validity_starts IS NULL"
    " AND (billing_period IS NOT NULL) <> (validity_days IS NOT NULL)"
    " AND (validity_days IS NULL OR validity_days > 0))"
    " OR (kind = 'drop_in' AND credit_units IS NULL"
    " AND (validity_days IS NULL OR validity_days > 0)"
    " AND validity_starts IS NULL AND billing_period IS NULL AND weekly_class_cap IS NULL)"
)
"""A drop-in's `validity_days` may be NULL: rows written before passes had a validity
are read as the default (`DROP_IN_DAYS`)."""
DROP_IN_DAYS = 30


class Plan(Base):
    """Something a studio sells: an unlimited membership, a pack of credits or a drop-in.
    Plans are archived, never deleted, so orders and memberships keep their history."""

    __tablename__ = "plans"
    __table_args__ = (
        CheckConstraint("kind IN ('unlimited', 'class_pack', 'drop_in')", name="kind"),
        CheckConstraint(PLAN_SHAPE, name="fields_match_kind"),
        CheckConstraint("price_minor >= 0", name="price_not_negative"),
        CheckConstraint(
            "non_member_price_minor IS NULL OR non_member_price_minor >= 0",
            name="non_member_price_not_negative",
        ),
        CheckConstraint("billing_period IN ('month', 'year')", name="billing_period"),
        CheckConstraint("validity_starts IN ('purchase', 'first_use')", name="validity_starts"),
        CheckConstraint("weekly_class_cap > 0", name="weekly_class_cap_positive"),
        Index(None, "organization_id", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    price_minor: Mapped[int]
    non_member_price_minor: Mapped[int | None]
    currency: Mapped[str] = mapped_column(String(3))
    credit_units: Mapped[int | None]
    validity_days: Mapped[int | None]
    validity_starts: Mapped[str | None] = mapped_column(String(10))
    billing_period: Mapped[str | None] = mapped_column(String(5))
    weekly_class_cap: Mapped[int | None]
    intro_offer: Mapped[bool] = mapped_column(default=False)
    class_type_ids: Mapped[list[uuid.UUID] | None] = mapped_column(ARRAY(UUID(as_uuid=True)))
    """When set, the plan pays only for these class types."""
    archived_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_at_column()
