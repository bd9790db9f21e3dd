"""When a membership is valid, computed in the studio's timezone from plain values.

A membership runs from the start of a local day to the start of the local day after its
last day. Every rule here works on local wall-clock dates and converts to UTC last, so a
23- or 25-hour day around a DST change never moves an end away from local midnight.
Nothing here reads the clock: callers pass the instants in.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo


class FreezeTooLong(ValueError):
    """A freeze would take a membership past the studio's cap on freeze days."""

    def __init__(self, requested_days: int, allowance: int) -> None:
        super().__init__(
            f"a freeze of {requested_days} days exceeds the {allowance} freeze days left"
        )
        self.requested_days = requested_days
        self.allowance = allowance


def _require_aware(at: datetime) -> None:
    # A naive datetime would silently be read in the server's timezone.
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("instants must be timezone-aware")


def local_day(at: datetime, timezone: str) -> date:
    """The calendar date of an aware instant in the given IANA timezone."""
    _require_aware(at)
    return at.astimezone(ZoneInfo(timezone)).date()


def start_of_local_day(day: date, timezone: str) -> datetime:
    """The first instant (in UTC) of a local calendar day.

    That is local midnight; where a DST jump skips midnight, zoneinfo resolves 00:00 with
    the offset in force before the jump, which is exactly the day's first instant.
    """
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def _add_months_exclusive(day: date, months: int) -> date:
    """The day a period of whole months starting on `day` ends (exclusive).

    Jan 15 + 1 month ends on Feb 15. When the same day of the month does not exist
    (Jan 31 + 1 month), the period runs to the last day of that month, so it ends on the
    first of the month after.
    """
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    if day.day <= calendar.monthrange(year, month)[1]:
        return date(year, month, day.day)
    return date(year, month + 1, 1)  # only short months overflow, so never December


def validity_window(
    purchased_at: datetime, *, timezone: str, days: int | None = None, months: int | None = None
) -> tuple[datetime, datetime]:
    """`(valid_from, valid_until)` in UTC of a membership bought at `purchased_at`.

    Valid from the local midnight starting the purchase day until the local midnight after
    its last day; `days=30` covers 30 local days, `months=1` one calendar month. Exactly
    one of `days` and `months` is given, and it is positive.
    """
    first_day = local_day(purchased_at, timezone)
    if days is not None and months is None:
        if days < 1:
            raise ValueError("days must be positive")
        end_day = first_day + timedelta(days=days)
    elif months is not None and days is None:
        if months < 1:
            raise ValueError("months must be positive")
        end_day = _add_months_exclusive(first_day, months)
    else:
        raise ValueError("give exactly one of days or months")
    return start_of_local_day(first_day, timezone), start_of_local_day(end_day, timezone)


def extend_by_days(valid_until: datetime, *, timezone: str, days: int) -> datetime:
    """`valid_until` pushed later by `days` local days, returned in UTC."""
    if days < 0:
        raise ValueError("days must not be negative")
    return shift_by_days(valid_until, timezone=timezone, days=days)


def shift_by_days(at: datetime, *, timezone: str, days: int) -> datetime:
    """`at` moved by `days` local days (earlier when negative), returned in UTC.

    A start of a local day stays the start of a local day; any other instant keeps its
    local wall-clock time.
    """
    day = local_day(at, timezone)
    new_day = day + timedelta(days=days)
    if at == start_of_local_day(day, timezone):
        return start_of_local_day(new_day, timezone)
    wall = at.astimezone(ZoneInfo(timezone))
    return datetime.combine(new_day, wall.time(), tzinfo=wall.tzinfo).astimezone(UTC)


def remaining_freeze_allowance(used_days: int, max_days: int) -> int:
    """Freeze days still available under the studio's cap (0 when none are allowed)."""
    return max(max_days - used_days, 0)


def check_freeze(requested_days: int, used_days: int, max_days: int) -> None:
    """Raise `FreezeTooLong` unless `used_days + requested_days` stays within `max_days`.

    A cap of 0 means the studio does not allow freezing at all.
    """
    if requested_days < 1:
        raise ValueError("a freeze lasts at least one day")
    if used_days + requested_days > max_days:
        raise FreezeTooLong(requested_days, remaining_freeze_allowance(used_days, max_days))
