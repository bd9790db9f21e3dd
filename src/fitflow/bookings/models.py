"""Class sessions and the rows that take their spots.

A spot is taken by a `Booking` row in a live status: `held` (a hold, or a waitlist
offer), `confirmed`, `attended` or `no_show`. A trigger keeps `ClassSession.taken` equal to
the number of live rows, and a CHECK keeps `taken <= capacity`, so PostgreSQL itself
refuses an overbooking, whichever code path (or raw INSERT) tries it.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    FetchedValue,
    ForeignKey,
    Identity,
    Index,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from fitflow.kit.db import Base, created_at_column, uuid_pk

LIVE_STATUSES = ("held", "confirmed", "attended", "no_show")
"""Booking statuses that take a spot."""
_LIVE_SQL = "status IN ('held', 'confirmed', 'attended', 'no_show')"
WAITING_STATUSES = ("waiting", "offered")


class ClassSchedule(Base):
    """A recurring class: an RFC 5545 rule from a first local day at a local start time.
    Its sessions are written ahead by a periodic job, one per local day."""

    __tablename__ = "class_schedules"
    __table_args__ = (
        CheckConstraint("capacity IS NULL OR capacity BETWEEN 1 AND 1000", name="capacity"),
        Index(None, "organization_id", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    class_type_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("class_types.id"))
    location_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("locations.id"))
    trainer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL")
    )
    title: Mapped[str | None] = mapped_column(String(200))
    rrule: Mapped[str] = mapped_column(String(500))
    first_day: Mapped[date]
    start_time: Mapped[time]
    """Local wall-clock time in the studio's timezone."""
    capacity: Mapped[int | None]
    """Overrides the class type's default capacity."""
    materialised_until: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_at_column()


class ClassSession(Base):
    """One scheduled class (or a 1:1 appointment, capacity 1) at an instant."""

    __tablename__ = "class_sessions"
    __table_args__ = (
        CheckConstraint("capacity BETWEEN 1 AND 1000", name="capacity"),
        CheckConstraint("taken >= 0 AND taken <= capacity", name="taken_within_capacity"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("status IN ('draft', 'published', 'cancelled')", name="status"),
        CheckConstraint("credit_units >= 0", name="credit_units_not_negative"),
        Index(None, "organization_id", "starts_at", "id"),
        Index(None, "trainer_id", "starts_at"),
        Index(
            "uq_class_sessions_one_per_schedule_day",
            "schedule_id",
            "occurrence_on",
            unique=True,
            postgresql_where=text("schedule_id IS NOT NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    class_type_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("class_types.id"))
    location_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("locations.id"))
    trainer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL")
    )
    schedule_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("class_schedules.id"))
    occurrence_on: Mapped[date | None]
    """The schedule's local day this session is (one per schedule and day)."""
    detached: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    """Changed or cancelled on its own: edits of its schedule leave it alone."""
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    capacity: Mapped[int]
    taken: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    """Live bookings, holds and offers; kept by a trigger on `bookings`, never written
    by the application."""
    credit_units: Mapped[int]
    """The class type's credit cost when the session was scheduled."""
    status: Mapped[str] = mapped_column(String(10), default="published")
    """Stored `draft`, `published` or `cancelled`; in progress and completed are read
    from the clock."""
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = created_at_column()
    revision: Mapped[int] = mapped_column(
        BigInteger,
        server_default=text("nextval('class_session_revisions')"),
        server_onupdate=FetchedValue(),
        deferred=True,
    )
    """A number no other version of any session row has had: a trigger gives the row a
    new one at every insert and update (never written by the application). The
    schedule page cache compares them."""


class Booking(Base):
    """A member's spot in a session, from hold to attendance. A hold that is confirmed
    becomes the booking and keeps its id."""

    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint(
            "status IN ('held', 'confirmed', 'attended', 'no_show', 'released', 'expired',"
            " 'cancelled', 'late_cancelled')",
            name="status",
        ),
        CheckConstraint("status <> 'held' OR hold_expires_at IS NOT NULL", name="hold_expires"),
        CheckConstraint(
            "refund_percent IS NULL OR refund_percent BETWEEN 0 AND 100", name="refund_percent"
        ),
        Index(
            "uq_bookings_one_live_per_member",
            "session_id",
            "member_id",
            unique=True,
            postgresql_where=text(_LIVE_SQL),
        ),
        Index(
            "ix_bookings_active_holds",
            "hold_expires_at",
            postgresql_where=text("status = 'held'"),
        ),
        Index(
            "ix_bookings_session_holds",
            "session_id",
            "hold_expires_at",
            postgresql_where=text("status = 'held'"),
        ),
        Index(None, "session_id", "status"),
        Index(
            "ix_bookings_awaiting_check_in",
            "starts_at",
            postgresql_where=text("status = 'confirmed' AND checked_in_at IS NULL"),
        ),
        Index(None, "organization_id", "member_id", "starts_at", "id"),
        Index(
            "ix_bookings_strikes",
            "organization_id",
            "member_id",
            "strike_at",
            postgresql_where=text("strike_at IS NOT NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("class_sessions.id"))
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"))
    status: Mapped[str] = mapped_column(String(16))
    starts_at: Mapped[datetime]
    """The session's start, copied so a member's bookings list in time order."""
    hold_expires_at: Mapped[datetime | None]
    offered: Mapped[bool] = mapped_column(default=False)
    """Held for the member as a waitlist offer."""
    booked_by_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    confirmed_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    """When the hold was released or expired, or the booking cancelled."""
    refund_percent: Mapped[int | None]
    cancel_tier_hours: Mapped[int | None]
    waived_reason: Mapped[str | None] = mapped_column(String(500))
    strike_at: Mapped[datetime | None]
    """A late cancel by an unlimited member, or a no-show: counts toward the strike rule."""
    checked_in_at: Mapped[datetime | None]
    checked_in_late: Mapped[bool | None]
    created_at: Mapped[datetime] = created_at_column()


class WaitlistEntry(Base):
    """A member waiting for a spot in a full session, in arrival order (`seq`)."""

    __tablename__ = "waitlist_entries"
    __table_args__ = (
        CheckConstraint(
            "status IN ('waiting', 'offered', 'promoted', 'left', 'expired')", name="status"
        ),
        Index(
            "uq_waitlist_entries_one_open_per_member",
            "session_id",
            "member_id",
            unique=True,
            postgresql_where=text("status IN ('waiting', 'offered')"),
        ),
        Index(
            "ix_waitlist_entries_queue",
            "session_id",
            "seq",
            postgresql_where=text("status IN ('waiting', 'offered')"),
        ),
        Index(None, "organization_id", "member_id", "status"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("class_sessions.id"))
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"))
    seq: Mapped[int] = mapped_column(BigInteger, Identity(always=True))
    """Arrival order: assigned under the session's waitlist lock."""
    status: Mapped[str] = mapped_column(String(10), default="waiting")
    booking_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("bookings.id"))
    """The offer hold, or the booking an automatic promotion made."""
    skipped_reason: Mapped[str | None] = mapped_column(String(200))
    """Why automatic promotion last passed over this member (nothing to pay with)."""
    ended_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_at_column()


class TrainerAvailability(Base):
    """A weekly window in which a trainer takes 1:1 appointments, in local time."""

    __tablename__ = "trainer_availability"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
        CheckConstraint("ends > starts", name="ends_after_start"),
        Index(None, "trainer_id", "weekday"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    trainer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    weekday: Mapped[int]
    """0 is Monday."""
    starts: Mapped[time]
    ends: Mapped[time]
    created_at: Mapped[datetime] = created_at_column()


class AvailabilityException(Base):
    """A stretch of time a trainer is away, whatever their weekly availability says."""

    __tablename__ = "availability_exceptions"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index(None, "trainer_id", "starts_at"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    trainer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = created_at_column()
