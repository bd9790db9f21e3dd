"""Whether a membership covers an instant, and the state it is in, from its stored
instants and freezes alone: nothing here reads the clock or waits for a job."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Protocol, TypeVar

from fitflow.plans.validity import local_day, start_of_local_day


class Status(StrEnum):
    active = "active"
    frozen = "frozen"
    cancelled = "cancelled"
    expired = "expired"


class Window(Protocol):
    @property
    def valid_from(self) -> datetime: ...
    @property
    def valid_until(self) -> datetime: ...
    @property
    def cancel_at(self) -> datetime | None: ...


class FreezeDays(Protocol):
    @property
    def starts_on(self) -> date: ...
    @property
    def ends_on(self) -> date: ...


F = TypeVar("F", bound=FreezeDays)


def coverage_end(membership: Window) -> datetime:
    """The first instant the membership no longer covers: its end, or its cancellation."""
    if membership.cancel_at is None:
        return membership.valid_until
    return min(membership.valid_until, membership.cancel_at)


def frozen_at(freezes: Sequence[FreezeDays], at: datetime, timezone: str) -> bool:
    """Whether `at` falls on a frozen local day."""
    day = local_day(at, timezone)
    return any(freeze.starts_on <= day < freeze.ends_on for freeze in freezes)


def status_at(
    membership: Window, freezes: Sequence[FreezeDays], at: datetime, timezone: str
) -> Status:
    """The membership's state at `at`; a not-yet-started one counts as active."""
    if membership.cancel_at is not None and membership.cancel_at <= at:
        return Status.cancelled
    if membership.valid_until <= at:
        return Status.expired
    if frozen_at(freezes, at, timezone):
        return Status.frozen
    return Status.active


def covers(membership: Window, freezes: Sequence[FreezeDays], at: datetime, timezone: str) -> bool:
    """Whether the membership pays for a class starting at `at`: within its window, not
    cancelled by then and not frozen on that local day."""
    inside = membership.valid_from <= at < coverage_end(membership)
    return inside and not frozen_at(freezes, at, timezone)


def open_freeze(freezes: Sequence[F], today: date) -> F | None:
    """The freeze running today or still to come, if any (there is at most one); a
    called-off freeze has no days left and does not count."""
    return next(
        (freeze for freeze in freezes if freeze.ends_on > max(today, freeze.starts_on)), None
    )


def freeze_days_used(freezes: Sequence[FreezeDays]) -> int:
    return sum((freeze.ends_on - freeze.starts_on).days for freeze in freezes)


def kept_end(
    membership: Window,
    freezes: Sequence[FreezeDays],
    timezone: str,
    kept: tuple[int, int],
) -> datetime:
    """Where a membership ends when only the share `kept` (numerator, denominator) of its
    paid days remains: paid days are its local days less the frozen ones, rounded down;
    a freeze that starts before the new end still pushes it back by its days."""
    first = local_day(membership.valid_from, timezone)
    span = (local_day(membership.valid_until, timezone) - first).days
    paid_days = span - freeze_days_used(freezes)
    numerator, denominator = kept
    end = first + timedelta(days=paid_days * numerator // denominator)
    for freeze in sorted(freezes, key=lambda f: f.starts_on):
        if freeze.starts_on < end:
            end += freeze.ends_on - freeze.starts_on
    return start_of_local_day(end, timezone)


def week_of(at: datetime, timezone: str) -> tuple[datetime, datetime]:
    """The local Monday-to-Monday week containing `at`, as UTC instants, for weekly caps."""
    day = local_day(at, timezone)
    monday = date.fromordinal(day.toordinal() - day.weekday())
    next_monday = date.fromordinal(monday.toordinal() + 7)
    return start_of_local_day(monday, timezone), start_of_local_day(next_monday, timezone)
