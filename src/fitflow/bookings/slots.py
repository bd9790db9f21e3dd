"""1:1 appointment slots from a trainer's weekly availability, as plain values.

Windows are local wall-clock times; slots step by the service's length from each
window's start and must fit inside it, clear of the trainer's sessions and time away.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Window:
    weekday: int
    """0 is Monday."""
    starts: time
    ends: time


Interval = tuple[datetime, datetime]


def free_slots(
    windows: Sequence[Window],
    busy: Sequence[Interval],
    *,
    timezone: str,
    length: timedelta,
    after: datetime,
    before: datetime,
) -> Iterator[datetime]:
    """Slot starts in [after, before), in order, that overlap nothing `busy`."""
    zone = ZoneInfo(timezone)
    day = after.astimezone(zone).date()
    last_day = before.astimezone(zone).date()
    while day <= last_day:
        for window in sorted(windows, key=lambda w: w.starts):
            if window.weekday != day.weekday():
                continue
            local = datetime.combine(day, window.starts)
            window_end = datetime.combine(day, window.ends)
            while local + length <= window_end:
                start = local.replace(tzinfo=zone, fold=0).astimezone(UTC)
                end = start + length
                exists = start.astimezone(zone).replace(tzinfo=None) == local
                if exists and after <= start < before and not _overlaps(start, end, busy):
                    yield start  # a local start skipped by a DST change is no slot
                local += length
        day += timedelta(days=1)


def _overlaps(start: datetime, end: datetime, busy: Sequence[Interval]) -> bool:
    return any(start < other_end and other_start < end for other_start, other_end in busy)
