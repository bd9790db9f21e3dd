from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from fitflow.kit.schemas import Strict


class FreezeCreate(Strict):
    starts_on: date | None = Field(
        None, description="First frozen local day; today when left out. Never in the past."
    )
    days: int = Field(ge=1, le=366, description="Local days to freeze, within the studio's cap")


class CancelRequest(Strict):
    at_period_end: bool = Field(
        False, description="Keep the membership until its paid period ends instead of now"
    )


class FreezeRead(BaseModel):
    starts_on: date
    ends_on: date = Field(description="The first local day no longer frozen")
    days: int


class MembershipRead(BaseModel):
    id: uuid.UUID
    member_id: uuid.UUID
    plan_id: uuid.UUID
    kind: Literal["unlimited", "drop_in"]
    name: str
    status: Literal["active", "frozen", "cancelled", "expired"]
    valid_from: datetime
    valid_until: datetime
    cancel_at: datetime | None
    weekly_class_cap: int | None
    class_allowance: int | None
    classes_used: int
    class_type_ids: list[uuid.UUID] | None
    freeze_days_used: int
    freeze_days_left: int
    freezes: list[FreezeRead]
    subscription_id: uuid.UUID | None = None
    """The subscription that renews this membership each period, if any."""
    created_at: datetime
