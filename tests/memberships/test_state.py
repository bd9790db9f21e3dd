"""Whether a membership covers an instant, from its dates and freezes alone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from fitflow.memberships.state import Status, covers, kept_end, status_at

BERLIN = "Europe/Berlin"
MICROSECOND = timedelta(microseconds=1)


@dataclass
class Window:
    valid_from: datetime
    valid_until: datetime
    cancel_at: datetime | None = None


@dataclass
class Freeze:
    starts_on: date
    ends_on: date


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


APRIL = Window(utc(2026, 3, 31, 22), utc(2026, 4, 30, 22))  # April in Berlin


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (utc(2026, 4, 30, 21, 59), True),
        (utc(2026, 3, 31, 22), True),
        (utc(2026, 3, 31, 22) - MICROSECOND, False),
        (utc(2026, 4, 30, 22) - MICROSECOND, True),
        (utc(2026, 4, 30, 22), False),
        (datetime(2026, 4, 30, 23, 59, tzinfo=ZoneInfo(BERLIN)), True),
        (datetime(2026, 4, 30, 18, tzinfo=ZoneInfo("America/New_York")), False),
    ],
)
def test_coverage_is_half_open(at: datetime, expected: bool) -> None:
    assert covers(APRIL, [], at, BERLIN) is expected


def test_a_frozen_local_day_is_not_covered_and_reads_frozen() -> None:
    freezes = [Freeze(date(2026, 4, 10), date(2026, 4, 12))]
    inside = datetime(2026, 4, 11, 23, 30, tzinfo=ZoneInfo(BERLIN))
    after = datetime(2026, 4, 12, 0, 0, tzinfo=ZoneInfo(BERLIN))
    assert not covers(APRIL, freezes, inside, BERLIN)
    assert status_at(APRIL, freezes, inside, BERLIN) is Status.frozen
    assert covers(APRIL, freezes, after, BERLIN)


def test_coverage_stops_at_a_cancellation() -> None:
    cancelled = Window(APRIL.valid_from, APRIL.valid_until, cancel_at=utc(2026, 4, 15))
    assert covers(cancelled, [], utc(2026, 4, 15) - MICROSECOND, BERLIN)
    assert not covers(cancelled, [], utc(2026, 4, 15), BERLIN)
    assert status_at(cancelled, [], utc(2026, 4, 15), BERLIN) is Status.cancelled


class TestKeptEnd:
    """Where a refund cuts a membership: the kept share of its paid (unfrozen) days."""

    FROZEN = [Freeze(date(2026, 4, 2), date(2026, 4, 12))]  # ten days, end pushed to 11 May
    EXTENDED = Window(utc(2026, 3, 31, 22), utc(2026, 5, 10, 22))

    @pytest.mark.parametrize(
        ("kept", "ends_on"),
        [
            ((1, 2), date(2026, 4, 26)),  # 15 paid days, plus the 10 frozen before them
            ((0, 1), date(2026, 4, 1)),  # nothing kept: it ends where it began
            ((1, 1), date(2026, 5, 11)),  # everything kept: the end it had
            ((1, 30), date(2026, 4, 2)),  # one paid day, before the freeze
            ((2, 30), date(2026, 4, 13)),  # the second paid day comes after the freeze
        ],
    )
    def test_frozen_days_are_not_counted_as_paid(
        self, kept: tuple[int, int], ends_on: date
    ) -> None:
        end = kept_end(self.EXTENDED, self.FROZEN, BERLIN, kept)
        assert end == datetime(ends_on.year, ends_on.month, ends_on.day, tzinfo=ZoneInfo(BERLIN))

    def test_without_freezes_the_share_is_of_its_days_rounded_down(self) -> None:
        end = kept_end(APRIL, [], BERLIN, (1, 7))  # 30 days / 7 = 4.28 -> 4
        assert end == datetime(2026, 4, 5, tzinfo=ZoneInfo(BERLIN))
