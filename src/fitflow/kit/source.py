"""What caused a change that must happen once: a booking's charge, an order's grant, a
staff adjustment. Writers keyed by a source are idempotent, so running one twice for the
same source changes nothing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select


@dataclass(frozen=True)
class Source:
    kind: str
    id: str


def written_for(model: Any, organization_id: uuid.UUID, source: Source) -> Select[Any]:
    """The query for the rows of `model` (a mapped class with `organization_id`,
    `source_type` and `source_id`) that a studio wrote for `source`."""
    return select(model).where(
        model.organization_id == organization_id,
        model.source_type == source.kind,
        model.source_id == source.id,
    )
