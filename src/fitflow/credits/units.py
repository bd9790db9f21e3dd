"""Credits are counted in integer units, a hundred to the credit, so half and quarter
credits are exact and no float comes near them."""

from __future__ import annotations

UNITS_PER_CREDIT = 100


def percent_of(units: int, percent: int) -> int:
    """`percent` of `units`, rounded down to a whole unit (never more than owed)."""
    if not 0 <= percent <= 100:
        raise ValueError("percent must be within 0..100")
    return units * percent // 100


def as_credits(units: int) -> str:
    """`150` -> `"1.5"`, exactly, for people to read."""
    sign = "-" if units < 0 else ""
    whole, fraction = divmod(abs(units), UNITS_PER_CREDIT)
    return f"{sign}{whole}" if fraction == 0 else f"{sign}{whole}.{fraction:02d}".rstrip("0")
