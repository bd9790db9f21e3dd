"""What caused a change that must happen once: a booking's charge, an order's grant, a
staff adjustment. Writers keyed by a source are idempotent, so running one twice for the
same source changes nothing."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    kind: str
    id: str
