from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from fitflow.kit.schemas import Strict

Reason = Annotated[str, Field(min_length=1, max_length=500)]


class DeskOrderCreate(Strict):
    member_id: uuid.UUID
    plan_id: uuid.UUID
    method: Literal["cash", "card_terminal"] = Field(description="How the desk took the money")
    note: str | None = Field(None, max_length=2000)


class RefundCreate(Strict):
    amount_minor: int = Field(ge=1, le=100_000_000, description="In the currency's minor unit")
    reason: Reason


class VoidRequest(Strict):
    reason: Reason


class RefundRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: Literal["refund", "void"]
    amount_minor: int
    reason: str
    revoked_units: int = Field(description="Credit units taken back from the order's lot")
    membership_ends_at: datetime | None = Field(
        description="Where the order's membership now ends, when the refund cut it short"
    )
    actor_user_id: uuid.UUID | None
    created_at: datetime


class OrderRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    member_id: uuid.UUID
    plan_id: uuid.UUID
    plan_kind: Literal["unlimited", "class_pack", "drop_in"]
    description: str
    amount_minor: int
    currency: str
    intro_offer: bool
    method: Literal["cash", "card_terminal"]
    status: Literal["paid", "partially_refunded", "refunded", "voided"]
    refunded_minor: int
    note: str | None
    granted_membership_id: uuid.UUID | None
    granted_lot_id: uuid.UUID | None
    created_by_user_id: uuid.UUID | None
    paid_at: datetime
    created_at: datetime
    refunds: list[RefundRead] = []
