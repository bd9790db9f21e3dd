from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, model_validator

from fitflow.bookings.models import Booking
from fitflow.kit.schemas import Strict


class CheckinCreate(Strict):
    """Exactly one of a scanned `token` or, checking in by hand, a `booking_id`."""

    token: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    booking_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> CheckinCreate:
        if (self.token is None) == (self.booking_id is None):
            raise ValueError("give exactly one of token and booking_id")
        return self


class CheckinRead(BaseModel):
    booking_id: uuid.UUID
    session_id: uuid.UUID
    member_id: uuid.UUID
    checked_in_at: datetime
    late: bool

    @classmethod
    def of(cls, row: Booking) -> CheckinRead:
        if row.checked_in_at is None:
            raise ValueError("the booking is not checked in")
        return cls(
            booking_id=row.id,
            session_id=row.session_id,
            member_id=row.member_id,
            checked_in_at=row.checked_in_at,
            late=bool(row.checked_in_late),
        )
