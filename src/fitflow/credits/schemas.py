from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, field_validator

from fitflow.credits.models import CreditLot
from fitflow.credits.units import as_credits
from fitflow.kit.schemas import Strict

MAX_ADJUSTMENT_UNITS = 1_000_000


class LotRead(BaseModel):
    id: uuid.UUID
    granted_units: int
    remaining_units: int
    remaining: str
    expires_at: datetime | None
    valid_days_after_first_use: int | None
    counts_now: bool
    created_at: datetime

    @classmethod
    def from_lot(cls, lot: CreditLot, now: datetime) -> LotRead:
        return cls(
            id=lot.id,
            granted_units=lot.granted_units,
            remaining_units=lot.remaining_units,
            remaining=as_credits(lot.remaining_units),
            expires_at=lot.expires_at,
            valid_days_after_first_use=lot.valid_days_after_first_use,
            counts_now=lot.expires_at is None or lot.expires_at > now,
            created_at=lot.created_at,
        )


class EntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    lot_id: uuid.UUID
    kind: str
    units: int
    reason: str | None
    source_type: str
    source_id: str
    created_at: datetime


class CreditStatement(BaseModel):
    """A member's credits: `units` count hundredths of a credit, `balance` spells it."""

    balance_units: int
    balance: str
    lots: list[LotRead]
    entries: list[EntryRead]
    next_cursor: str | None


class AdjustmentCreate(Strict):
    units: int = Field(
        ge=-MAX_ADJUSTMENT_UNITS,
        le=MAX_ADJUSTMENT_UNITS,
        description="Hundredths of a credit: 100 adds one credit, -50 takes half of one.",
    )
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=500)]
    expires_at: AwareDatetime | None = Field(None, description="Only for a grant (positive units).")

    @field_validator("units")
    @classmethod
    def _not_zero(cls, units: int) -> int:
        if units == 0:
            raise ValueError("an adjustment changes the balance: units cannot be 0")
        return units
