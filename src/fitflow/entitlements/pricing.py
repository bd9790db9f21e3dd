"""Peak and off-peak pricing: what a class costs in credit units, given when it starts.

A studio's pricing tiers speak in local wall-clock time ("weekdays 17:00-20:00"), so the
class start is read in the studio's IANA timezone before any weekday or window is matched;
a UTC weekday or a fixed offset would shift classes between tiers at night and across DST.
Pure: plain values in, no clock, no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time
from zoneinfo import ZoneInfo

from fitflow.organizations.policy import MIDNIGHT, WEEKDAYS, PricingTier


def _contains(tier: PricingTier, weekday: str, wall_clock: time) -> bool:
    """[starts, ends) with `ends` of 00:00 standing for the end of the day, compared to the
    second so a class at 19:59:59 is still peak and one at 20:00:00 is not."""
    if weekday not in tier.weekdays or wall_clock < tier.starts:
        return False
    return tier.ends == MIDNIGHT or wall_clock < tier.ends


def tier_at(starts_at: datetime, timezone: str, tiers: Sequence[PricingTier]) -> PricingTier | None:
    """The tier a class starting at `starts_at` falls in, judged on the studio's local
    weekday and wall clock; None when it falls in none. The policy forbids overlapping
    tiers, so at most one matches."""
    if starts_at.tzinfo is None or starts_at.utcoffset() is None:
        raise ValueError("starts_at must be timezone-aware; a naive time has no local weekday")
    local = starts_at.astimezone(ZoneInfo(timezone))
    weekday, wall_clock = WEEKDAYS[local.weekday()], local.time()
    return next((tier for tier in tiers if _contains(tier, weekday, wall_clock)), None)


def credit_cost(
    base_units: int, starts_at: datetime, timezone: str, tiers: Sequence[PricingTier]
) -> int:
    """`base_units` scaled by the matching tier's percent, rounded down to a whole unit so a
    member is never charged more than the percent says; outside every tier, the base."""
    if base_units < 0:
        raise ValueError("base_units must not be negative")
    tier = tier_at(starts_at, timezone, tiers)
    if tier is None:
        return base_units
    return base_units * tier.credit_percent // 100
