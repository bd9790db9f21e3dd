from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from fitflow.kit.db import Base, created_at_column, uuid_pk


class Charge(Base):
    """What paid for one booking: a membership (or pass) use, or credits whose ledger
    entries carry the same source. Written once per source, so charging twice is a no-op."""

    __tablename__ = "entitlement_charges"
    __table_args__ = (
        CheckConstraint("method IN ('membership', 'credits')", name="method"),
        CheckConstraint(
            "(method = 'membership' AND membership_id IS NOT NULL AND credit_units IS NULL)"
            " OR (method = 'credits' AND membership_id IS NULL AND credit_units >= 0)",
            name="fields_match_method",
        ),
        CheckConstraint(
            "refunded_percent IS NULL OR refunded_percent BETWEEN 0 AND 100",
            name="refunded_percent",
        ),
        UniqueConstraint("organization_id", "source_type", "source_id"),
        # Weekly caps and pass allowances count a membership's live uses.
        Index(
            None,
            "membership_id",
            "session_starts_at",
            postgresql_where=text("membership_id IS NOT NULL AND released_at IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    source_type: Mapped[str] = mapped_column(String(40))
    source_id: Mapped[str] = mapped_column(String(80))
    method: Mapped[str] = mapped_column(String(12))
    membership_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("memberships.id", ondelete="RESTRICT")
    )
    credit_units: Mapped[int | None]
    class_type_id: Mapped[uuid.UUID | None]
    session_starts_at: Mapped[datetime]
    refunded_percent: Mapped[int | None]
    refunded_at: Mapped[datetime | None]
    released_at: Mapped[datetime | None]
    """Set when a full refund gave the membership use back (weekly cap, pass)."""
    created_at: Mapped[datetime] = created_at_column()
