from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from fitflow.credits.units import UNITS_PER_CREDIT, as_credits
from fitflow.kit.schemas import Name, Strict
from fitflow.plans.models import Plan

Price = Annotated[int, Field(ge=0, le=100_000_000, description="In the currency's minor unit")]
Description = Annotated[str, Field(max_length=2000)]
ClassTypes = Annotated[list[uuid.UUID], Field(min_length=1, max_length=100)]


class PlanBase(Strict):
    name: Name
    description: Description | None = None
    price_minor: Price
    intro_offer: bool = Field(False, description="Sold at most once to each member")
    class_type_ids: ClassTypes | None = Field(None, description="Pays only for these class types")


class UnlimitedPlanCreate(PlanBase):
    """Unlimited classes for a period: recurring monthly or yearly, or a fixed number of
    days; optionally capped at a number of classes a week."""

    kind: Literal["unlimited"]
    billing_period: Literal["month", "year"] | None = None
    validity_days: int | None = Field(None, ge=1, le=3660)
    weekly_class_cap: int | None = Field(None, ge=1, le=100)

    @model_validator(mode="after")
    def _one_period(self) -> UnlimitedPlanCreate:
        if (self.billing_period is None) == (self.validity_days is None):
            raise ValueError("give either billing_period (recurring) or validity_days")
        return self


class ClassPackPlanCreate(PlanBase):
    """A pack of credits valid for some days from purchase or from first use."""

    kind: Literal["class_pack"]
    credits: int = Field(ge=1, le=1000, description="Whole credits in the pack")
    validity_days: int = Field(ge=1, le=3660)
    validity_starts: Literal["purchase", "first_use"] = "purchase"


class DropInPlanCreate(PlanBase):
    """One class, with an optional price for people who are not members."""

    kind: Literal["drop_in"]
    non_member_price_minor: Price | None = Field(
        None, description="Price for people who hold no membership; the price otherwise"
    )
    validity_days: int = Field(30, ge=1, le=3660, description="Days the pass stays usable")


PlanCreate = Annotated[
    UnlimitedPlanCreate | ClassPackPlanCreate | DropInPlanCreate, Field(discriminator="kind")
]


class PlanRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: Literal["unlimited", "class_pack", "drop_in"]
    name: str
    description: str | None
    price_minor: int
    non_member_price_minor: int | None
    currency: str
    credits: str | None
    validity_days: int | None
    validity_starts: Literal["purchase", "first_use"] | None
    billing_period: Literal["month", "year"] | None
    weekly_class_cap: int | None
    intro_offer: bool
    class_type_ids: list[uuid.UUID] | None
    archived_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, plan: Plan) -> PlanRead:
        credits = None if plan.credit_units is None else as_credits(plan.credit_units)
        return cls.model_validate({**_columns(plan), "credits": credits})


def _columns(plan: Plan) -> dict[str, object]:
    return {column.key: getattr(plan, column.key) for column in Plan.__table__.columns}


def credit_units(body: ClassPackPlanCreate) -> int:
    return body.credits * UNITS_PER_CREDIT
