"""Base models for request bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, ClassVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    StringConstraints,
    model_validator,
)


def _in_our_era(value: datetime) -> datetime:
    if not 2000 <= value.year <= 2100:
        raise ValueError("the instant must fall between the years 2000 and 2100")
    return value


Instant = Annotated[AwareDatetime, AfterValidator(_in_our_era)]
"""An instant with its UTC offset, in a range where date arithmetic cannot overflow."""

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
"""A person's or a studio's name: surrounding blanks removed, never empty."""


class Strict(BaseModel):
    """A request body: unknown fields are refused, never silently dropped."""

    model_config = ConfigDict(extra="forbid")


class Patch(Strict):
    """A partial update: omitted fields stay as they are, and `null` clears a field, which
    only nullable fields allow (`not_nullable` lists the others)."""

    not_nullable: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _refuse_null_for_required_fields(self) -> Patch:
        nulls = sorted(
            name
            for name in self.not_nullable & self.model_fields_set
            if getattr(self, name) is None
        )
        if nulls:
            raise ValueError(f"{', '.join(nulls)} cannot be null")
        return self
