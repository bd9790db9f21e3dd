from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from fitflow.kit.db import Base, created_at_column, uuid_pk

ENTRY_KINDS = ("grant", "consume", "refund", "forfeit", "expire", "adjust")


class CreditLot(Base):
    """Credits from one grant, with their own expiry. `remaining_units` is the sum of the
    lot's entries, kept beside them so PostgreSQL itself refuses to let it go below zero."""

    __tablename__ = "credit_lots"
    __table_args__ = (
        CheckConstraint("granted_units > 0", name="granted_positive"),
        CheckConstraint(
            "remaining_units >= 0 AND remaining_units <= granted_units", name="remaining_in_range"
        ),
        CheckConstraint(
            "valid_days_after_first_use IS NULL OR valid_days_after_first_use > 0",
            name="validity_positive",
        ),
        CheckConstraint("owed_units >= 0", name="owed_not_negative"),
        UniqueConstraint("organization_id", "source_type", "source_id"),
        Index(None, "organization_id", "member_id", "expires_at"),
        # The expiry job looks only at lots that still hold credits.
        Index(
            "ix_credit_lots_expiring_with_credit",
            "expires_at",
            postgresql_where=text("remaining_units > 0 AND expires_at IS NOT NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    granted_units: Mapped[int]
    remaining_units: Mapped[int]
    expires_at: Mapped[datetime | None]
    valid_days_after_first_use: Mapped[int | None]
    """Set for packs valid for some days from first use; `expires_at` is fixed then."""
    class_type_ids: Mapped[list[uuid.UUID] | None] = mapped_column(ARRAY(UUID(as_uuid=True)))
    """When set, the lot pays only for these class types."""
    owed_units: Mapped[int] = mapped_column(default=0, server_default="0")
    """Units a refund of the money for this lot could not take back because they were in
    use; credits refunded to the lot later settle this first instead of counting again."""
    source_type: Mapped[str] = mapped_column(String(40))
    source_id: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = created_at_column()


class CreditEntry(Base):
    """One change to one lot, never updated or deleted: corrections are new entries. A
    trigger (migration `ledger_guards`) makes PostgreSQL refuse UPDATE and DELETE."""

    __tablename__ = "credit_entries"
    __table_args__ = (
        CheckConstraint(f"kind IN {ENTRY_KINDS!r}", name="kind"),
        CheckConstraint(
            "(kind IN ('grant', 'refund') AND units > 0)"
            " OR (kind IN ('consume', 'forfeit', 'expire') AND units < 0)"
            " OR (kind = 'adjust' AND units <> 0)",
            name="sign_follows_kind",
        ),
        UniqueConstraint("organization_id", "source_type", "source_id", "kind", "lot_id"),
        Index(None, "organization_id", "member_id", "created_at", "id"),
        Index(None, "lot_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    # No cascades: the ledger outlives whatever it refers to, so deleting a studio,
    # member, lot or user it names is refused rather than rewriting history.
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"))
    lot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("credit_lots.id"))
    kind: Mapped[str] = mapped_column(String(10))
    units: Mapped[int]
    reason: Mapped[str | None] = mapped_column(String(500))
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    source_type: Mapped[str] = mapped_column(String(40))
    source_id: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = created_at_column()
