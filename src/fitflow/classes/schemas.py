from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field

from fitflow.classes.models import ClassType, Location
from fitflow.credits.units import UNITS_PER_CREDIT, as_credits
from fitflow.kit.schemas import Name, Patch, Strict

Colour = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$", description="#RRGGBB")]
CreditCost = Annotated[
    Decimal,
    Field(
        ge=0,
        le=100,
        decimal_places=2,
        description="Credits one class costs before pricing tiers; 0.5 is half a credit",
    ),
]
Description = Annotated[str, Field(max_length=2000)]
Duration = Annotated[int, Field(ge=5, le=720)]
Capacity = Annotated[int, Field(ge=1, le=1000)]


def units_of(cost: Decimal) -> int:
    """Credits (exact decimal) as integer units; 2 decimal places make whole units."""
    return int(cost * UNITS_PER_CREDIT)


class ClassTypeCreate(Strict):
    name: Name
    description: Description | None = None
    duration_minutes: Duration
    default_capacity: Capacity = Field(description="1 for an appointment")
    credit_cost: CreditCost = Decimal(1)
    colour: Colour | None = None
    appointment: bool = Field(False, description="A 1:1 service booked from availability")


class ClassTypeUpdate(Patch):
    not_nullable = frozenset(
        {"name", "duration_minutes", "default_capacity", "credit_cost", "appointment"}
    )

    name: Name | None = None
    description: Description | None = None
    duration_minutes: Duration | None = None
    default_capacity: Capacity | None = None
    credit_cost: CreditCost | None = None
    colour: Colour | None = None
    appointment: bool | None = None


class ClassTypeRead(BaseModel):
    id: uuid.UUID
    name: str
    description: str | None
    duration_minutes: int
    default_capacity: int
    credit_cost: str = Field(description='Exact, as text: "1.5"')
    credit_cost_units: int
    colour: str | None
    appointment: bool
    archived_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, row: ClassType) -> ClassTypeRead:
        return cls(
            id=row.id,
            name=row.name,
            description=row.description,
            duration_minutes=row.duration_minutes,
            default_capacity=row.default_capacity,
            credit_cost=as_credits(row.credit_units),
            credit_cost_units=row.credit_units,
            colour=row.colour,
            appointment=row.appointment,
            archived_at=row.archived_at,
            created_at=row.created_at,
        )


class LocationCreate(Strict):
    name: Name
    address: Annotated[str, Field(max_length=500)] | None = None
    capacity: Capacity | None = Field(None, description="How many people the room holds")


class LocationRead(BaseModel):
    id: uuid.UUID
    name: str
    address: str | None
    capacity: int | None
    archived_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, row: Location) -> LocationRead:
        return cls.model_validate(row, from_attributes=True)
