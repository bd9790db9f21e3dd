"""The pure rules of when a membership is valid, in the studio's timezone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from fitflow.plans.validity import (
    FreezeTooLong,
    check_freeze,
    extend_by_days,
    local_day,
    remaining_freeze_allowance,
    start_of_local_day,
    validity_window,
)

BERLIN = "Europe/Berlin"  # 2026: spring forward on Mar 29, fall back on Oct 25
NEW_YORK = "America/New_York"  # 2026: spring forward on Mar 8, fall back on Nov 1
TOKYO = "Asia/Tokyo"  # no DST, UTC+9
SANTIAGO = "America/Santiago"  # 2026-09-06 springs forward at 00:00: that day has no midnight
MICROSECOND = timedelta(microseconds=1)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def wall(timezone: str, year: int, month: int, day: int, hour: int, *, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(timezone))


def assert_local_midnight(at: datetime, timezone: str) -> None:
    local = at.astimezone(ZoneInfo(timezone))
    assert (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0)


def at_utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# Instants in UTC; the length is "<n>d" (days) or "<n>m" (months).
@pytest.mark.parametrize(
    ("timezone", "purchased_at", "length", "valid_from", "valid_until"),
    [
        # 23:30 local, before UTC midnight: the local day counts
        (BERLIN, "2026-06-10 21:30", "1d", "2026-06-09 22:00", "2026-06-10 22:00"),
        # 22:30 local on Jun 10, already Jun 11 in UTC: the local day counts
        (NEW_YORK, "2026-06-11 02:30", "1d", "2026-06-10 04:00", "2026-06-11 04:00"),
        # 00:30 local on Jun 11, still Jun 10 in UTC: the local day counts
        (TOKYO, "2026-06-10 15:30", "7d", "2026-06-10 15:00", "2026-06-17 15:00"),
        # 30 days from Mar 20 run to local midnight of Apr 19, across spring forward
        (BERLIN, "2026-03-20 10:00", "30d", "2026-03-19 23:00", "2026-04-18 22:00"),
        # one day bought on the 23-hour day
        (BERLIN, "2026-03-29 10:00", "1d", "2026-03-28 23:00", "2026-03-29 22:00"),
        # across fall back
        (BERLIN, "2026-10-20 10:00", "10d", "2026-10-19 22:00", "2026-10-29 23:00"),
        (NEW_YORK, "2026-03-01 17:00", "14d", "2026-03-01 05:00", "2026-03-15 04:00"),
        (NEW_YORK, "2026-10-15 16:00", "1m", "2026-10-15 04:00", "2026-11-15 05:00"),
        # a month from Jan 15 ends as Feb 15 begins
        (BERLIN, "2026-01-15 12:00", "1m", "2026-01-14 23:00", "2026-02-14 23:00"),
        # a month from Jan 31 is clamped: Feb 28 is the last day, valid until Mar 1
        (BERLIN, "2026-01-31 12:00", "1m", "2026-01-30 23:00", "2026-02-28 23:00"),
        # a month from Mar 31 is clamped: Apr 30 is the last day
        (BERLIN, "2026-03-31 12:00", "1m", "2026-03-30 22:00", "2026-04-30 22:00"),
        # a month from Jan 29 of a leap year ends as Feb 29 begins
        (NEW_YORK, "2028-01-29 17:00", "1m", "2028-01-29 05:00", "2028-02-29 05:00"),
        # 12 months from Feb 29 2028 are clamped: Feb 28 2029 is the last day
        (NEW_YORK, "2028-02-29 17:00", "12m", "2028-02-29 05:00", "2029-03-01 05:00"),
        # a month from mid-December rolls into the next year
        (BERLIN, "2026-12-15 12:00", "1m", "2026-12-14 23:00", "2027-01-14 23:00"),
    ],
)
def test_validity_window_runs_from_local_midnight_to_local_midnight(
    timezone: str, purchased_at: str, length: str, valid_from: str, valid_until: str
) -> None:
    count, unit = int(length[:-1]), length[-1]
    window = validity_window(
        at_utc(purchased_at),
        timezone=timezone,
        days=count if unit == "d" else None,
        months=count if unit == "m" else None,
    )
    assert window == (at_utc(valid_from), at_utc(valid_until))
    assert all(at.utcoffset() == timedelta(0) for at in window)


@pytest.mark.parametrize(
    ("timezone", "purchased_on", "days", "months", "hours"),
    [
        (BERLIN, date(2026, 3, 29), 1, None, 23),
        (BERLIN, date(2026, 10, 25), 1, None, 25),
        (BERLIN, date(2026, 3, 20), 30, None, 30 * 24 - 1),
        (BERLIN, date(2026, 10, 1), None, 1, 31 * 24 + 1),
        (NEW_YORK, date(2026, 3, 8), 1, None, 23),
        (NEW_YORK, date(2026, 11, 1), 1, None, 25),
        (NEW_YORK, date(2026, 3, 1), None, 1, 31 * 24 - 1),
        (NEW_YORK, date(2026, 1, 1), None, 12, 365 * 24),
    ],
)
def test_window_across_a_dst_change_still_ends_at_local_midnight(
    timezone: str, purchased_on: date, days: int | None, months: int | None, hours: int
) -> None:
    purchased_at = wall(timezone, purchased_on.year, purchased_on.month, purchased_on.day, 13)
    valid_from, valid_until = validity_window(
        purchased_at, timezone=timezone, days=days, months=months
    )
    assert_local_midnight(valid_from, timezone)
    assert_local_midnight(valid_until, timezone)
    assert valid_until - valid_from == timedelta(hours=hours)


@pytest.mark.parametrize(
    ("timezone", "purchased_on", "days", "last_day"),
    [
        (BERLIN, date(2026, 10, 1), 24, date(2026, 10, 24)),  # ends as the 25-hour day begins
        (BERLIN, date(2026, 3, 1), 28, date(2026, 3, 28)),  # ends as the 23-hour day begins
        (NEW_YORK, date(2026, 10, 2), 30, date(2026, 10, 31)),
        (TOKYO, date(2026, 12, 1), 31, date(2026, 12, 31)),
    ],
)
def test_membership_expires_exactly_at_local_midnight(
    timezone: str, purchased_on: date, days: int, last_day: date
) -> None:
    purchased_at = wall(timezone, purchased_on.year, purchased_on.month, purchased_on.day, 9)
    valid_from, valid_until = validity_window(purchased_at, timezone=timezone, days=days)
    assert local_day(valid_until - MICROSECOND, timezone) == last_day
    assert local_day(valid_from, timezone) == purchased_on
    assert_local_midnight(valid_from, timezone)
    assert_local_midnight(valid_until, timezone)


@pytest.mark.parametrize(
    ("days", "months"), [(None, None), (30, 1), (0, None), (-1, None), (None, 0), (None, -1)]
)
def test_validity_window_takes_exactly_one_positive_length(
    days: int | None, months: int | None
) -> None:
    with pytest.raises(ValueError, match=r"exactly one|positive"):
        validity_window(utc(2026, 5, 1), timezone=BERLIN, days=days, months=months)


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        validity_window(datetime(2026, 5, 1, 12), timezone=BERLIN, days=1)


@pytest.mark.parametrize(
    ("at", "timezone", "expected"),
    [
        (utc(2026, 6, 10, 21, 59), BERLIN, date(2026, 6, 10)),
        (utc(2026, 6, 10, 22, 0), BERLIN, date(2026, 6, 11)),
        (utc(2026, 6, 11, 3, 59), NEW_YORK, date(2026, 6, 10)),
        (utc(2026, 6, 11, 4, 0), NEW_YORK, date(2026, 6, 11)),
        (utc(2026, 6, 10, 15, 0), TOKYO, date(2026, 6, 11)),
        (wall(TOKYO, 2026, 6, 11, 0, minute=30), BERLIN, date(2026, 6, 10)),
    ],
)
def test_local_day_is_the_calendar_date_in_the_studio(
    at: datetime, timezone: str, expected: date
) -> None:
    assert local_day(at, timezone) == expected


def test_a_day_without_midnight_starts_at_its_first_instant() -> None:
    start = start_of_local_day(date(2026, 9, 6), SANTIAGO)
    assert start == utc(2026, 9, 6, 4)
    assert start.astimezone(ZoneInfo(SANTIAGO)).hour == 1
    assert local_day(start, SANTIAGO) == date(2026, 9, 6)
    assert local_day(start - MICROSECOND, SANTIAGO) == date(2026, 9, 5)


@pytest.mark.parametrize(
    ("timezone", "valid_until", "days", "expected"),
    [
        pytest.param(
            BERLIN, utc(2026, 3, 24, 23), 10, utc(2026, 4, 3, 22), id="Berlin spring forward"
        ),
        pytest.param(
            BERLIN, utc(2026, 10, 20, 22), 7, utc(2026, 10, 27, 23), id="Berlin fall back"
        ),
        pytest.param(
            NEW_YORK, utc(2026, 3, 5, 5), 5, utc(2026, 3, 10, 4), id="New York spring forward"
        ),
        pytest.param(
            NEW_YORK, utc(2026, 10, 28, 4), 7, utc(2026, 11, 4, 5), id="New York fall back"
        ),
        pytest.param(BERLIN, utc(2026, 10, 20, 22), 0, utc(2026, 10, 20, 22), id="zero days"),
        pytest.param(
            BERLIN, utc(2026, 3, 28, 17), 1, utc(2026, 3, 29, 16), id="18:00 local stays 18:00"
        ),
        pytest.param(
            SANTIAGO, utc(2026, 9, 5, 4), 1, utc(2026, 9, 6, 4), id="onto a day without midnight"
        ),
        pytest.param(
            SANTIAGO, utc(2026, 9, 6, 4), 1, utc(2026, 9, 7, 3), id="from a day without midnight"
        ),
    ],
)
def test_extend_by_days_counts_local_days(
    timezone: str, valid_until: datetime, days: int, expected: datetime
) -> None:
    assert extend_by_days(valid_until, timezone=timezone, days=days) == expected


def test_extend_by_days_refuses_to_shorten() -> None:
    with pytest.raises(ValueError, match="negative"):
        extend_by_days(utc(2026, 5, 1), timezone=BERLIN, days=-1)


@pytest.mark.parametrize(
    ("timezone", "valid_until_on", "freeze_from", "freeze_to", "expected_until_on"),
    [
        (BERLIN, date(2026, 3, 27), date(2026, 3, 26), date(2026, 4, 2), date(2026, 4, 3)),
        (BERLIN, date(2026, 10, 22), date(2026, 10, 20), date(2026, 10, 27), date(2026, 10, 29)),
        (NEW_YORK, date(2026, 10, 30), date(2026, 10, 25), date(2026, 11, 4), date(2026, 11, 9)),
        (NEW_YORK, date(2026, 3, 5), date(2026, 3, 1), date(2026, 3, 15), date(2026, 3, 19)),
    ],
)
def test_a_freeze_across_dst_extends_to_local_midnight(
    timezone: str,
    valid_until_on: date,
    freeze_from: date,
    freeze_to: date,
    expected_until_on: date,
) -> None:
    valid_until = start_of_local_day(valid_until_on, timezone)
    frozen = (freeze_to - freeze_from).days
    extended = extend_by_days(valid_until, timezone=timezone, days=frozen)
    assert_local_midnight(extended, timezone)
    assert local_day(extended, timezone) == expected_until_on
    assert extended != valid_until + timedelta(days=frozen)  # fixed 24-hour days would drift


@pytest.mark.parametrize(
    ("used_days", "max_days", "expected"),
    [(0, 30, 30), (20, 30, 10), (30, 30, 0), (0, 0, 0), (35, 30, 0)],
)
def test_remaining_freeze_allowance(used_days: int, max_days: int, expected: int) -> None:
    assert remaining_freeze_allowance(used_days, max_days) == expected


@pytest.mark.parametrize(
    ("requested_days", "used_days", "max_days"),
    [(1, 0, 1), (5, 0, 30), (30, 0, 30), (10, 20, 30), (1, 29, 30)],
)
def test_a_freeze_up_to_and_including_the_cap_is_allowed(
    requested_days: int, used_days: int, max_days: int
) -> None:
    check_freeze(requested_days, used_days, max_days)


@pytest.mark.parametrize(
    ("requested_days", "used_days", "max_days", "allowance"),
    [(1, 0, 0, 0), (30, 0, 0, 0), (31, 0, 30, 30), (11, 20, 30, 10), (1, 30, 30, 0)],
)
def test_a_freeze_past_the_cap_is_refused(
    requested_days: int, used_days: int, max_days: int, allowance: int
) -> None:
    with pytest.raises(FreezeTooLong) as caught:
        check_freeze(requested_days, used_days, max_days)
    assert isinstance(caught.value, ValueError)
    assert (caught.value.requested_days, caught.value.allowance) == (requested_days, allowance)


@pytest.mark.parametrize("requested_days", [0, -3])
def test_a_freeze_lasts_at_least_one_day(requested_days: int) -> None:
    with pytest.raises(ValueError, match="at least one day") as caught:
        check_freeze(requested_days, 0, 30)
    assert not isinstance(caught.value, FreezeTooLong)
