from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fitflow.kit.db import Base, created_at_column, uuid_pk


class Member(Base):
    """A user's client relationship with one studio."""

    __tablename__ = "members"
    __table_args__ = (
        UniqueConstraint("organization_id", "user_id"),
        CheckConstraint("status IN ('active', 'inactive')", name="status"),
        Index(None, "organization_id", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(10), default="active")
    phone: Mapped[str | None] = mapped_column(String(40))
    date_of_birth: Mapped[date | None]
    emergency_contact: Mapped[str | None] = mapped_column(String(300))
    notes: Mapped[str | None] = mapped_column(Text)
    """Staff-only notes; never shown to the member."""
    payment_disputed_at: Mapped[datetime | None]
    """When a payment of this member was last disputed (a chargeback); staff-only."""
    created_at: Mapped[datetime] = created_at_column()
