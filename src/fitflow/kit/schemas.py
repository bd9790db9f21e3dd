"""Base models for request bodies."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, model_validator


class Patch(BaseModel):
    """A partial update: omitted fields stay as they are, and `null` clears a field, which
    only nullable fields allow (`not_nullable` lists the others)."""

    model_config = ConfigDict(extra="forbid")
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
