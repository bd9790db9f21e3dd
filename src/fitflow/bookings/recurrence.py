"""Recurring schedules as RFC 5545 rules, read with python-dateutil.

A rule runs on the studio's wall clock: occurrences are computed as naive local times
from the first day and start time, then placed in the studio's timezone one by one, so a
class at 18:00 stays at 18:00 across DST changes. A local start skipped by a change
(02:30 on the spring-forward night) reads with the offset before it, an hour later.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

ALLOWED_FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
MAX_RULE_LENGTH = 500


class InvalidRule(ValueError):
    """The text is not an RFC 5545 RRULE FitFlow can schedule from."""


@dataclass(frozen=True)
class Occurrence:
    on: date
    """The local day: one session per schedule and day."""
    starts_at: datetime


def parse(rule: str, first_day: date, start_time: time) -> rrule:
    """The rule anchored at `first_day` `start_time` (naive local time). Refuses rules
    that carry their own DTSTART, run more often than daily, or do not parse."""
    text = rule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[len("RRULE:") :]
    upper = text.upper()
    if not text or len(text) > MAX_RULE_LENGTH or "\n" in text or "DTSTART" in upper:
        raise InvalidRule("give one RRULE line (FREQ=...;...) without DTSTART")
    frequency = next((p[5:] for p in upper.split(";") if p.startswith("FREQ=")), None)
    if frequency not in ALLOWED_FREQUENCIES:
        raise InvalidRule(f"FREQ must be one of {', '.join(ALLOWED_FREQUENCIES)}")
    anchor = datetime.combine(first_day, start_time)
    try:
        parsed = rrulestr(text, dtstart=anchor)
    except (ValueError, TypeError) as exc:
        raise InvalidRule(str(exc)) from exc
    if not isinstance(parsed, rrule):
        raise InvalidRule("give a single RRULE")
    return parsed


def occurrences(
    parsed: rrule, timezone: str, *, after: datetime, before: datetime
) -> Iterator[Occurrence]:
    """Occurrences starting in [after, before), in order."""
    zone = ZoneInfo(timezone)
    local_after = after.astimezone(zone).replace(tzinfo=None)
    local_before = before.astimezone(zone).replace(tzinfo=None)
    for local in parsed.xafter(local_after, inc=True):
        if local >= local_before:
            return
        starts_at = local.replace(tzinfo=zone, fold=0).astimezone(UTC)
        if after <= starts_at < before:
            yield Occurrence(local.date(), starts_at)
