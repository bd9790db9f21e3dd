from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


@dataclass(frozen=True)
class ClassTerms:
    """What paying for a class needs to know about it."""

    starts_at: datetime
    credit_units: int
    """The class type's credit cost, before the studio's pricing tiers."""
    class_type_id: uuid.UUID | None = None

    def __post_init__(self) -> None:
        # A naive start has no local day or week: it would be read as UTC by PostgreSQL
        # and fail later, or not at all, depending on what the member holds.
        if self.starts_at.tzinfo is None or self.starts_at.utcoffset() is None:
            raise ValueError("starts_at must be timezone-aware")
        if self.credit_units < 0:
            raise ValueError("credit_units must not be negative")


class DropInOffer(BaseModel):
    plan_id: uuid.UUID
    name: str
    price_minor: int
    currency: str


class Quote(BaseModel):
    """How a class would be paid: by a membership or pass, by credits, or not at all."""

    method: Literal["membership", "credits", "payment_required"]
    membership_id: uuid.UUID | None = None
    credit_units: int | None = Field(None, description="Units the class costs in credits")
    pricing_tier: str | None = None
    drop_in: DropInOffer | None = None
    reasons: list[str] = Field(
        default_factory=list, description="Why memberships (and credits) held did not pay"
    )


class ChargeRead(BaseModel):
    """What paid for a booking."""

    method: Literal["membership", "credits"]
    membership_id: uuid.UUID | None
    credit_units: int | None


class RefundOutcome(BaseModel):
    """What a cancellation gave back: credit units returned and forfeited, and whether a
    membership use (weekly cap, pass) was given back."""

    method: Literal["membership", "credits"]
    percent: int
    refunded_units: int = 0
    forfeited_units: int = 0
    use_released: bool = False
