from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field
from pydantic_core import to_json

from fitflow.bookings import rules
from fitflow.bookings.listing_repository import COLUMNS as LISTED_COLUMNS
from fitflow.bookings.models import Booking, ClassSession, WaitlistEntry
from fitflow.bookings.repository import Counts
from fitflow.classes.schemas import Capacity
from fitflow.entitlements.schemas import ChargeRead, RefundOutcome
from fitflow.kit.pagination import Page
from fitflow.kit.schemas import Instant, Patch, Strict

Reason = Annotated[str, Field(min_length=1, max_length=500)]
SessionState = Literal["draft", "published", "in_progress", "completed", "cancelled"]


class SessionCreate(Strict):
    class_type_id: uuid.UUID
    starts_at: Instant = Field(description="ISO 8601 with an offset")
    trainer_id: uuid.UUID | None = Field(None, description="A staff id")
    location_id: uuid.UUID | None = None
    capacity: Capacity | None = Field(None, description="Defaults to the class type's")
    title: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    status: Literal["draft", "published"] = "published"


class SessionUpdate(Patch):
    not_nullable = frozenset({"capacity", "status"})

    capacity: Capacity | None = None
    trainer_id: uuid.UUID | None = None
    status: Literal["published", "cancelled"] | None = None
    cancel_reason: Reason | None = None


class SessionRead(BaseModel):
    id: uuid.UUID
    class_type_id: uuid.UUID
    title: str
    trainer_id: uuid.UUID | None
    location_id: uuid.UUID | None
    starts_at: datetime
    ends_at: datetime
    capacity: int
    booked: int
    held: int = Field(description="Holds and waitlist offers not yet expired")
    spots_left: int
    waitlist_length: int
    credit_cost_units: int
    status: SessionState
    cancelled_at: datetime | None

    @classmethod
    def of(cls, row: ClassSession, counts: Counts, now: datetime) -> SessionRead:
        columns = (getattr(row, column.key) for column in LISTED_COLUMNS)
        listed = (*columns, counts.booked, counts.held, counts.waiting)
        return cls.model_validate(session_fields(listed, now))


@dataclass(frozen=True)
class SessionList:
    """A page of the schedule list as read: its rows (`listing_repository.ListedRows`)
    and the clock they were read at."""

    rows: Sequence[Any]
    next_cursor: str | None
    now: datetime

    def page(self) -> Page[SessionRead]:
        items = [SessionRead.model_validate(session_fields(row, self.now)) for row in self.rows]
        return Page(items=items, next_cursor=self.next_cursor)

    def json(self) -> bytes:
        """What `page()` serialises to, byte for byte, built with no model per row (a
        week's page holds up to 200 sessions)."""
        items = [session_fields(row, self.now) for row in self.rows]
        return to_json({"items": items, "next_cursor": self.next_cursor})


def session_fields(row: Any, now: datetime) -> dict[str, object]:
    """A schedule list row (`LISTED_COLUMNS`, then the booked, held and waiting counts;
    any further columns are not shown) as `SessionRead`'s fields, in the model's order."""
    (id_, class_type_id, title, trainer_id, location_id, starts_at, ends_at) = row[:7]
    capacity, credit_units, stored, cancelled_at, booked, held, waiting = row[7:14]
    return {
        "id": id_,
        "class_type_id": class_type_id,
        "title": title,
        "trainer_id": trainer_id,
        "location_id": location_id,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "capacity": capacity,
        "booked": booked,
        "held": held,
        "spots_left": max(0, capacity - booked - held),
        "waitlist_length": waiting,
        "credit_cost_units": credit_units,
        "status": rules.session_state(stored, starts_at, ends_at, now),
        "cancelled_at": cancelled_at,
    }


class HoldRead(BaseModel):
    id: uuid.UUID
    session_id: uuid.UUID
    member_id: uuid.UUID
    status: Literal["active", "confirmed", "released", "expired"]
    expires_at: datetime
    offered: bool = Field(description="A priority hold offered from the waitlist")

    @classmethod
    def of(cls, row: Booking, now: datetime) -> HoldRead:
        return cls(
            id=row.id,
            session_id=row.session_id,
            member_id=row.member_id,
            status=hold_status(row, now),
            expires_at=row.hold_expires_at or row.created_at,
            offered=row.offered,
        )


def hold_status(row: Booking, now: datetime) -> str:
    if row.status == "held":
        return "expired" if row.hold_expires_at and row.hold_expires_at <= now else "active"
    return row.status if row.status in ("released", "expired") else "confirmed"


class Cancellation(BaseModel):
    """What a cancellation gave back and kept."""

    tier_min_hours_before: int | None
    refund_percent: int
    refunded_units: int
    forfeited_units: int
    use_released: bool = Field(description="A membership use (weekly cap, pass) given back")
    strike: bool
    waived: bool


class BookingRead(BaseModel):
    id: uuid.UUID
    session_id: uuid.UUID
    member_id: uuid.UUID
    status: Literal["confirmed", "cancelled", "late_cancelled", "no_show", "attended"]
    starts_at: datetime
    confirmed_at: datetime | None
    cancelled_at: datetime | None
    checked_in_at: datetime | None
    late: bool | None
    strike: bool
    paid_by: ChargeRead | None = None
    cancellation: Cancellation | None = None

    @classmethod
    def of(cls, row: Booking, **extra: object) -> BookingRead:
        cancelled = row.status in ("cancelled", "late_cancelled")
        return cls.model_validate(
            {
                "id": row.id,
                "session_id": row.session_id,
                "member_id": row.member_id,
                "status": row.status,
                "starts_at": row.starts_at,
                "confirmed_at": row.confirmed_at,
                "cancelled_at": row.ended_at if cancelled else None,
                "checked_in_at": row.checked_in_at,
                "late": row.checked_in_late,
                "strike": row.strike_at is not None,
                **extra,
            }
        )


def cancellation_of(row: Booking, outcome: RefundOutcome | None) -> Cancellation:
    percent = row.refund_percent if row.refund_percent is not None else 100
    return Cancellation(
        tier_min_hours_before=row.cancel_tier_hours,
        refund_percent=percent,
        refunded_units=outcome.refunded_units if outcome else 0,
        forfeited_units=outcome.forfeited_units if outcome else 0,
        use_released=outcome.use_released if outcome else False,
        strike=row.strike_at is not None,
        waived=row.waived_reason is not None,
    )


class StaffBookingCreate(Strict):
    member_id: uuid.UUID
    session_id: uuid.UUID


BookingStatus = Literal["confirmed", "cancelled", "late_cancelled", "no_show", "attended"]


class CancelRequest(Strict):
    waive_reason: Reason | None = Field(
        None, description="Staff only: refund in full whatever the tier, with this reason"
    )


class WaitlistEntryRead(BaseModel):
    id: uuid.UUID
    session_id: uuid.UUID
    member_id: uuid.UUID
    status: Literal["waiting", "offered", "promoted", "left", "expired"]
    position: int | None = Field(description="1 for the next in line; null once not waiting")
    hold_id: uuid.UUID | None = Field(description="The offer to confirm, when offered")
    skipped_reason: str | None
    created_at: datetime

    @classmethod
    def of(cls, row: WaitlistEntry, position: int | None) -> WaitlistEntryRead:
        return cls(
            id=row.id,
            session_id=row.session_id,
            member_id=row.member_id,
            status=row.status,
            position=position if row.status == "waiting" else None,
            hold_id=row.booking_id if row.status == "offered" else None,
            skipped_reason=row.skipped_reason,
            created_at=row.created_at,
        )


class Attendees(BaseModel):
    bookings: list[BookingRead]
    holds: list[HoldRead]
    waitlist: list[WaitlistEntryRead]
