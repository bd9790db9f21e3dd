"""Which lots pay for a charge: a pure rule, the clock passed in."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class LotState:
    lot_id: uuid.UUID
    remaining: int
    expires_at: datetime | None
    valid_days_after_first_use: int | None
    created_at: datetime

    def expiry_if_used_at(self, at: datetime) -> datetime | None:
        """When the lot stops counting if it is drawn from at `at`: its expiry, or for a
        lot that starts on first use, `at` plus its validity."""
        if self.expires_at is None and self.valid_days_after_first_use is not None:
            return at + timedelta(days=self.valid_days_after_first_use)
        return self.expires_at

    def usable_at(self, at: datetime) -> bool:
        expiry = self.expiry_if_used_at(at)
        return self.remaining > 0 and (expiry is None or expiry > at)


class NotEnoughCredits(Exception):
    def __init__(self, needed: int, available: int) -> None:
        super().__init__(f"needs {needed} units, {available} available")
        self.needed = needed
        self.available = available


def allocate(lots: Sequence[LotState], units: int, at: datetime) -> list[tuple[uuid.UUID, int]]:
    """Take `units` from the usable lots, the one that expires first first (lots that
    never expire last, older before newer); all or nothing."""
    if units <= 0:
        raise ValueError("allocate a positive number of units")
    usable = sorted(
        (lot for lot in lots if lot.usable_at(at)),
        key=lambda lot: (
            lot.expiry_if_used_at(at) is None,
            lot.expiry_if_used_at(at) or lot.created_at,
            lot.created_at,
            lot.lot_id,
        ),
    )
    available = sum(lot.remaining for lot in usable)
    if available < units:
        raise NotEnoughCredits(units, available)
    taken: list[tuple[uuid.UUID, int]] = []
    still_needed = units
    for lot in usable:
        share = min(lot.remaining, still_needed)
        taken.append((lot.lot_id, share))
        still_needed -= share
        if still_needed == 0:
            break
    return taken
