"""Peak and off-peak pricing: the studio's local wall clock picks the tier (no database)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from fitflow.credits.units import UNITS_PER_CREDIT
from fitflow.entitlements.pricing import credit_cost, tier_at
from fitflow.organizations.policy import PricingTier, Weekday

WEEKDAYS_ONLY: list[Weekday] = ["mon", "tue", "wed", "thu", "fri"]
WEEKEND: list[Weekday] = ["sat", "sun"]


def tier(name: str, weekdays: list[Weekday], starts: time, ends: time, percent: int) -> PricingTier:
    return PricingTier(
        name=name, weekdays=weekdays, starts=starts, ends=ends, credit_percent=percent
    )


PEAK = tier("peak", WEEKDAYS_ONLY, time(17), time(20), 150)
LATE = tier("late", WEEKDAYS_ONLY, time(20), time(0), 80)
WEEKEND_MORNING = tier("weekend morning", WEEKEND, time(6), time(9), 50)
DST_NIGHT = tier("sunday small hours", ["sun"], time(2), time(3), 200)
STUDIO_TIERS = [PEAK, LATE, WEEKEND_MORNING, DST_NIGHT]

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"
LOS_ANGELES = "America/Los_Angeles"


def local(timezone: str, wall_clock: str) -> datetime:
    """A wall-clock time in the studio's zone (2026-11-16 is a Monday, 11-20 a Friday)."""
    return datetime.fromisoformat(wall_clock).replace(tzinfo=ZoneInfo(timezone))


def utc(instant: str) -> datetime:
    return datetime.fromisoformat(instant).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("starts_at", "expected"),
    [
        pytest.param(local(BERLIN, "2026-11-16 16:59:59"), None, id="a second before peak"),
        pytest.param(local(BERLIN, "2026-11-16 17:00"), PEAK, id="peak starts inclusive"),
        pytest.param(local(BERLIN, "2026-11-16 18:30"), PEAK, id="inside peak"),
        pytest.param(local(BERLIN, "2026-11-16 19:59:59"), PEAK, id="last second of peak"),
        pytest.param(local(BERLIN, "2026-11-16 20:00"), LATE, id="peak ends exclusive"),
        pytest.param(local(BERLIN, "2026-11-20 23:59:59"), LATE, id="00:00 end covers 23:59"),
        pytest.param(local(BERLIN, "2026-11-21 00:00"), None, id="00:00 end excludes next day"),
        pytest.param(local(BERLIN, "2026-11-16 00:00"), None, id="00:00 end is not a start"),
        pytest.param(local(BERLIN, "2026-11-16 12:00"), None, id="midday is outside tiers"),
        pytest.param(local(BERLIN, "2026-11-21 18:00"), None, id="peak is weekdays only"),
        pytest.param(local(BERLIN, "2026-11-22 06:00"), WEEKEND_MORNING, id="sunday morning"),
    ],
)
def test_tier_window_starts_inclusive_and_ends_exclusive(
    starts_at: datetime, expected: PricingTier | None
) -> None:
    assert tier_at(starts_at, BERLIN, STUDIO_TIERS) == expected


@pytest.mark.parametrize(
    ("starts_at", "timezone", "tiers", "expected"),
    [
        pytest.param(
            utc("2026-11-17 07:30"),
            LOS_ANGELES,
            [tier("monday night", ["mon"], time(22), time(0), 50)],
            "monday night",
            id="23:30 monday in los angeles is tuesday in utc",
        ),
        pytest.param(
            utc("2026-11-17 07:30"),
            LOS_ANGELES,
            [tier("tuesday early", ["tue"], time(7), time(8), 50)],
            None,
            id="utc tuesday 07:30 is not tuesday morning in los angeles",
        ),
        pytest.param(
            utc("2026-11-15 23:00"),
            "Asia/Tokyo",
            [tier("monday early", ["mon"], time(6), time(9), 50)],
            "monday early",
            id="08:00 monday in tokyo is sunday in utc",
        ),
        pytest.param(
            datetime(2026, 11, 16, 23, 30, tzinfo=ZoneInfo(BERLIN)),
            LOS_ANGELES,
            [tier("monday afternoon", ["mon"], time(14), time(15), 50)],
            "monday afternoon",
            id="an instant given in another zone is read in the studio zone",
        ),
    ],
)
def test_weekday_and_time_are_matched_in_the_studio_timezone_not_utc(
    starts_at: datetime, timezone: str, tiers: list[PricingTier], expected: str | None
) -> None:
    found = tier_at(starts_at, timezone, tiers)
    assert (found.name if found else None) == expected


@pytest.mark.parametrize(
    ("starts_at", "timezone", "expected"),
    [
        # Berlin springs forward 2026-03-29 02:00 CET -> 03:00 CEST (UTC+2 from then on).
        pytest.param(utc("2026-03-29 03:59"), BERLIN, None, id="berlin spring 05:59 local"),
        pytest.param(utc("2026-03-29 04:00"), BERLIN, WEEKEND_MORNING, id="berlin spring 06:00"),
        pytest.param(utc("2026-03-29 06:59"), BERLIN, WEEKEND_MORNING, id="berlin spring 08:59"),
        pytest.param(utc("2026-03-29 07:00"), BERLIN, None, id="berlin spring 09:00 local"),
        pytest.param(utc("2026-03-28 05:00"), BERLIN, WEEKEND_MORNING, id="berlin eve 06:00 CET"),
        # Berlin falls back 2026-10-25 03:00 CEST -> 02:00 CET: 02:xx happens twice.
        pytest.param(utc("2026-10-25 00:30"), BERLIN, DST_NIGHT, id="berlin first 02:30"),
        pytest.param(utc("2026-10-25 01:30"), BERLIN, DST_NIGHT, id="berlin second 02:30"),
        pytest.param(utc("2026-10-25 02:00"), BERLIN, None, id="berlin fall 03:00 local"),
        pytest.param(utc("2026-10-25 04:59"), BERLIN, None, id="berlin fall 05:59 local"),
        pytest.param(utc("2026-10-25 05:00"), BERLIN, WEEKEND_MORNING, id="berlin fall 06:00"),
        # New York springs forward 2026-03-08 (EST -> EDT) and falls back 2026-11-01.
        pytest.param(utc("2026-03-08 09:59"), NEW_YORK, None, id="new york spring 05:59 local"),
        pytest.param(utc("2026-03-08 10:00"), NEW_YORK, WEEKEND_MORNING, id="ny spring 06:00"),
        pytest.param(utc("2026-03-08 13:00"), NEW_YORK, None, id="new york spring 09:00 local"),
        pytest.param(utc("2026-11-01 10:59"), NEW_YORK, None, id="new york fall 05:59 local"),
        pytest.param(utc("2026-11-01 11:00"), NEW_YORK, WEEKEND_MORNING, id="ny fall 06:00"),
        pytest.param(utc("2026-11-01 13:59"), NEW_YORK, WEEKEND_MORNING, id="ny fall 08:59"),
    ],
)
def test_across_a_dst_change_the_local_wall_clock_decides(
    starts_at: datetime, timezone: str, expected: PricingTier | None
) -> None:
    assert tier_at(starts_at, timezone, STUDIO_TIERS) == expected


MONDAY_PEAK = local(BERLIN, "2026-11-16 18:00")


@pytest.mark.parametrize(
    ("base_units", "percent", "expected"),
    [
        pytest.param(100, 33, 33, id="a third of a credit"),
        pytest.param(150, 150, 225, id="one and a half times one and a half credits"),
        pytest.param(1, 50, 0, id="half a unit rounds down to nothing"),
        pytest.param(99, 150, 148, id="148.5 units rounds down to 148"),
        pytest.param(1, 150, 1, id="1.5 units rounds down to 1"),
        pytest.param(101, 99, 99, id="99.99 units rounds down to 99"),
        pytest.param(UNITS_PER_CREDIT, 1000, 10 * UNITS_PER_CREDIT, id="ten times the base"),
        pytest.param(UNITS_PER_CREDIT, 100, UNITS_PER_CREDIT, id="100 percent is the base"),
        pytest.param(3 * UNITS_PER_CREDIT, 0, 0, id="a zero percent tier makes the class free"),
        pytest.param(0, 150, 0, id="a free class type stays free at peak"),
    ],
)
def test_tier_percent_is_applied_and_rounded_down_to_a_whole_unit(
    base_units: int, percent: int, expected: int
) -> None:
    tiers = [tier("peak", WEEKDAYS_ONLY, time(17), time(20), percent)]
    assert credit_cost(base_units, MONDAY_PEAK, BERLIN, tiers) == expected


@pytest.mark.parametrize(
    ("starts_at", "tiers"),
    [
        pytest.param(local(BERLIN, "2026-11-16 12:00"), STUDIO_TIERS, id="outside every tier"),
        pytest.param(MONDAY_PEAK, [], id="a studio without tiers"),
    ],
)
def test_a_class_outside_every_tier_pays_the_base_cost(
    starts_at: datetime, tiers: list[PricingTier]
) -> None:
    assert credit_cost(3 * UNITS_PER_CREDIT, starts_at, BERLIN, tiers) == 3 * UNITS_PER_CREDIT


def test_a_peak_class_pays_the_peak_percent() -> None:
    assert credit_cost(2 * UNITS_PER_CREDIT, MONDAY_PEAK, BERLIN, STUDIO_TIERS) == 300


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda: tier_at(datetime(2026, 11, 16, 18), BERLIN, STUDIO_TIERS), id="tier"),
        pytest.param(
            lambda: credit_cost(100, datetime(2026, 11, 16, 18), BERLIN, STUDIO_TIERS), id="cost"
        ),
    ],
)
def test_a_naive_datetime_is_refused(call: Callable[[], object]) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        call()


def test_a_negative_base_cost_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        credit_cost(-1, MONDAY_PEAK, BERLIN, STUDIO_TIERS)
