"""The booking rules as functions of plain values (the clock passed in): session states,
booking windows, cancellation tiers, strikes and the check-in window.

"N hours before" and "N days ahead" are counted on the studio's wall clock, so a class at
10:00 the day after a DST change still has its 24-hour deadline at 10:00 the day before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from fitflow.organizations.policy import CancellationTier, Policy, StrikeRule


def session_state(stored: str, starts_at: datetime, ends_at: datetime, now: datetime) -> str:
    """`draft`, `cancelled`, or for a published session the state the clock gives it:
    `published` before the start, `in_progress` until the end, then `completed`."""
    if stored != "published":
        return stored
    if now < starts_at:
        return "published"
    return "in_progress" if now < ends_at else "completed"


def wall_clock_before(at: datetime, timezone: str, delta: timedelta) -> datetime:
    """The instant whose local wall-clock time is `delta` earlier than `at`'s. A local
    time skipped by a DST change reads with the offset before the change (so it lands an
    hour later); a repeated one means its first occurrence."""
    zone = ZoneInfo(timezone)
    local = at.astimezone(zone).replace(tzinfo=None) - delta
    return local.replace(tzinfo=zone, fold=0).astimezone(UTC)


@dataclass(frozen=True)
class Window:
    opens_at: datetime
    closes_at: datetime


def booking_window(starts_at: datetime, timezone: str, policy: Policy) -> Window:
    """Booking opens `booking_opens_days` local days before the start, at the same local
    time, and closes `booking_closes_seconds` before the start."""
    return Window(
        opens_at=wall_clock_before(starts_at, timezone, timedelta(days=policy.booking_opens_days)),
        closes_at=starts_at - timedelta(seconds=policy.booking_closes_seconds),
    )


def booking_refusal(
    stored: str, starts_at: datetime, timezone: str, policy: Policy, now: datetime
) -> str | None:
    """Why a session cannot be booked now (an error code), or None."""
    if stored == "draft":
        return "class_session_not_published"
    if stored == "cancelled":
        return "class_session_cancelled"
    if now >= starts_at:
        return "class_session_started"
    window = booking_window(starts_at, timezone, policy)
    if now < window.opens_at:
        return "booking_not_open"
    if now >= window.closes_at:
        return "booking_closed"
    return None


def cancellation_tier(
    starts_at: datetime, timezone: str, tiers: Sequence[CancellationTier], now: datetime
) -> CancellationTier:
    """The tier a cancellation at `now` falls in: the first (largest) tier whose deadline,
    `min_hours_before` wall-clock hours before the start, has not passed. A tier applies
    up to and including its deadline second. The last tier (0 hours) catches the rest."""
    for tier in tiers:
        deadline = wall_clock_before(starts_at, timezone, timedelta(hours=tier.min_hours_before))
        if now <= deadline:
            return tier
    return tiers[-1]


def waitlist_open(starts_at: datetime, policy: Policy, now: datetime) -> bool:
    """Promotion (and joining) stops `waitlist_cutoff_seconds` before the start."""
    return now < starts_at - timedelta(seconds=policy.waitlist_cutoff_seconds)


def banned_until(
    strikes: Sequence[datetime], rule: StrikeRule | None, now: datetime
) -> datetime | None:
    """When a member blocked by the strike rule may book again, or None if they may now.
    Whenever `limit` strikes fall within `window_days` (ending at the latest of them),
    booking is blocked for `ban_days` after that strike; a later strike never shortens a
    ban already running."""
    if rule is None or len(strikes) < rule.limit:
        return None
    ordered = sorted(strikes)
    window = timedelta(days=rule.window_days)
    bans = [
        strike + timedelta(days=rule.ban_days)
        for index, strike in enumerate(ordered)
        if index + 1 >= rule.limit and ordered[index + 1 - rule.limit] > strike - window
    ]
    until = max(bans, default=None)
    return until if until is not None and now < until else None


def checkin_refusal(
    starts_at: datetime, ends_at: datetime, policy: Policy, now: datetime
) -> str | None:
    """Check-in opens `checkin_opens_seconds` before the start and closes at the end."""
    if now < checkin_opens_at(starts_at, policy):
        return "checkin_not_open"
    if now >= ends_at:
        return "checkin_closed"
    return None


def checkin_opens_at(starts_at: datetime, policy: Policy) -> datetime:
    return starts_at - timedelta(seconds=policy.checkin_opens_seconds)
