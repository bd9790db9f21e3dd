"""Recurring schedules as RFC 5545 rules, read with python-dateutil.

A rule runs on the studio's wall clock: occurrences are computed as naive local times
from the first day and start time, then placed in the studio's timezone one by one, so a
class at 18:00 stays at 18:00 across DST changes. A local start skipped by a change
(02:30 on the spring-forward night) reads with the offset before it, an hour later.

Expansion is always cut at the window asked for: dateutil looks for a rule's next day
until year 9999, which for a rule that never matches again would hold the event loop.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

ALLOWED_FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
REFUSED_PARTS = ("DTSTART", "BYHOUR", "BYMINUTE", "BYSECOND", "BYEASTER")
"""The start time is the schedule's own, and a schedule runs at most once a day."""
MAX_INTERVAL = 52
MAX_RULE_LENGTH = 500
FIRST_MATCH_WITHIN = timedelta(days=2 * 366)


class InvalidRule(ValueError):
    """The text is not an RFC 5545 RRULE FitFlow can schedule from."""


@dataclass(frozen=True)
class Occurrence:
    on: date
    """The local day: one session per schedule and day."""
    starts_at: datetime


@dataclass(frozen=True)
class Rule:
    """A parsed rule, with the COUNT it came with (applied while expanding)."""

    rrule: rrule
    count: int | None


def parse(text: str, first_day: date, start_time: time) -> Rule:
    """The rule anchored at `first_day` `start_time` (naive local time). Refuses what
    does not parse, what runs more than once a day, an INTERVAL outside 1..52, and a
    rule that falls on no day within two years of its first day."""
    parts = _parts(text)
    frequency = parts.get("FREQ")
    if frequency not in ALLOWED_FREQUENCIES:
        raise InvalidRule(f"FREQ must be one of {', '.join(ALLOWED_FREQUENCIES)}")
    if refused := [name for name in REFUSED_PARTS if name in parts]:
        raise InvalidRule(f"{', '.join(refused)} cannot be used: the start time is the schedule's")
    if not 1 <= _number(parts.get("INTERVAL", "1")) <= MAX_INTERVAL:
        raise InvalidRule(f"INTERVAL must be between 1 and {MAX_INTERVAL}")
    count = _number(parts["COUNT"]) if "COUNT" in parts else None
    uncounted = ";".join(f"{k}={v}" for k, v in parts.items() if k != "COUNT")
    anchor = datetime.combine(first_day, start_time)
    try:
        parsed = rrulestr(uncounted, dtstart=anchor)
    except (ValueError, TypeError, OverflowError) as exc:
        raise InvalidRule(str(exc)) from exc
    if not isinstance(parsed, rrule):
        raise InvalidRule("give a single RRULE")
    rule = Rule(parsed, count)
    if next(_expand(rule, anchor + FIRST_MATCH_WITHIN), None) is None:
        raise InvalidRule("the rule falls on no day within two years of first_day")
    return rule


def occurrences(
    rule: Rule, timezone: str, *, after: datetime, before: datetime
) -> Iterator[Occurrence]:
    """Occurrences starting in [after, before), in order."""
    zone = ZoneInfo(timezone)
    local_after = after.astimezone(zone).replace(tzinfo=None)
    local_before = before.astimezone(zone).replace(tzinfo=None)
    for local in _expand(rule, local_before):
        if local < local_after:
            continue
        starts_at = local.replace(tzinfo=zone, fold=0).astimezone(UTC)
        if after <= starts_at < before:
            yield Occurrence(local.date(), starts_at)


def _expand(rule: Rule, until: datetime) -> Iterator[datetime]:
    """The rule's local starts from its first day, cut at `until` (naive local) and at
    its COUNT."""
    own_until = getattr(rule.rrule, "_until", None)
    cut = rule.rrule.replace(until=min(own_until, until) if own_until else until)
    for index, local in enumerate(cut):
        if rule.count is not None and index >= rule.count:
            return
        yield local


def _parts(text: str) -> dict[str, str]:
    body = text.strip()
    if body.upper().startswith("RRULE:"):
        body = body[len("RRULE:") :]
    if not body or len(body) > MAX_RULE_LENGTH or "\n" in body or ":" in body:
        raise InvalidRule("give one RRULE line (FREQ=...;...) without DTSTART")
    parts: dict[str, str] = {}
    for part in body.split(";"):
        name, sep, value = part.partition("=")
        if not sep or not name.strip() or name.strip().upper() in parts:
            raise InvalidRule(f"{part!r} is not a NAME=value part, once each")
        parts[name.strip().upper()] = value.strip()
    return parts


def _number(value: str) -> int:
    try:
        return int(value)
    except ValueError as exc:
        raise InvalidRule(f"{value!r} is not a whole number") from exc
