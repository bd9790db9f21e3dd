from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from fitflow.kit.db import Base, created_at_column, uuid_pk


class Organization(Base):
    """A studio: the tenant every other table is scoped by."""

    __tablename__ = "organizations"
    __table_args__ = (CheckConstraint("tax_rate_bp BETWEEN 0 AND 10000", name="tax_rate_bp"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3))
    policy: Mapped[dict[str, Any]] = mapped_column(JSONB)
    contact_email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(500))
    website: Mapped[str | None] = mapped_column(String(500))
    legal_name: Mapped[str | None] = mapped_column(String(200))
    """The name invoices carry; the studio's name when unset."""
    tax_id: Mapped[str | None] = mapped_column(String(50))
    tax_rate_bp: Mapped[int] = mapped_column(default=0, server_default="0")
    """The tax included in the studio's prices, in basis points (1900 = 19%)."""
    invoice_footer: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = created_at_column()


class StaffMember(Base):
    """A user's staff role in one studio."""

    __tablename__ = "staff"
    __table_args__ = (
        UniqueConstraint("organization_id", "user_id"),
        CheckConstraint("role IN ('owner', 'admin', 'trainer', 'receptionist')", name="role"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = created_at_column()
