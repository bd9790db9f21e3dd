from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fitflow.kit.db import Base, created_at_column, uuid_pk


class ClassType(Base):
    """A kind of class a studio runs (a group class, or a 1:1 appointment service):
    its length, default capacity and what it costs in credits."""

    __tablename__ = "class_types"
    __table_args__ = (
        CheckConstraint("duration_minutes BETWEEN 5 AND 720", name="duration"),
        CheckConstraint("default_capacity BETWEEN 1 AND 1000", name="capacity"),
        CheckConstraint("credit_units >= 0", name="credit_units_not_negative"),
        CheckConstraint("NOT appointment OR default_capacity = 1", name="appointment_for_one"),
        Index(None, "organization_id", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    duration_minutes: Mapped[int]
    default_capacity: Mapped[int]
    credit_units: Mapped[int]
    """What one class costs in credit units (100 to the credit) before pricing tiers."""
    colour: Mapped[str | None] = mapped_column(String(7))
    appointment: Mapped[bool] = mapped_column(default=False)
    """A 1:1 service booked from a trainer's availability rather than a group class."""
    archived_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_at_column()


class Location(Base):
    """A room or site where classes take place."""

    __tablename__ = "locations"
    __table_args__ = (
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity"),
        Index(None, "organization_id", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(500))
    capacity: Mapped[int | None]
    """How many people the room holds, when it limits its classes."""
    archived_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_at_column()
