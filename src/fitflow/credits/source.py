"""What caused a ledger change: a booking, an order, a staff adjustment. Each writer is
idempotent per (source, kind), so running it twice changes nothing."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    kind: str
    id: str
