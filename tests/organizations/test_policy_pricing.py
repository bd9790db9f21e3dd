"""Pricing tiers in the booking policy: a class falls in at most one tier (no database)."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest
from pydantic import ValidationError

from fitflow.organizations.errors import InvalidPolicy
from fitflow.organizations.policy import Policy, PolicyUpdate, merged


def tier(
    name: str = "peak",
    weekdays: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri"),
    starts: str = "17:00",
    ends: str = "20:00",
    percent: int = 150,
    **extra: Any,
) -> dict[str, Any]:
    """A pricing tier as the API receives it."""
    return {
        "name": name,
        "weekdays": list(weekdays),
        "starts": starts,
        "ends": ends,
        "credit_percent": percent,
        **extra,
    }


def test_policy_defaults_have_no_pricing_tiers_and_staff_only_freezes() -> None:
    policy = Policy()
    assert policy.pricing_tiers == []
    assert policy.max_freeze_days == 30
    assert policy.members_can_freeze is False
    assert policy.members_can_cancel is False


ALLOWED: dict[str, list[dict[str, Any]]] = {
    "same window on different weekdays": [
        tier("weekday peak", ("mon", "tue", "wed", "thu", "fri")),
        tier("weekend peak", ("sat", "sun")),
    ],
    "adjacent windows on the same weekday": [
        tier("peak", starts="17:00", ends="20:00"),
        tier("late", starts="20:00", ends="00:00", percent=80),
    ],
    "a window ending at 00:00 runs to the end of the day": [
        tier("late", starts="22:00", ends="00:00", percent=80)
    ],
    "a 00:00 to 00:00 window covers the whole day": [
        tier("sunday", ("sun",), starts="00:00", ends="00:00", percent=200)
    ],
    "a free tier": [tier("off-peak", starts="06:00", ends="09:00", percent=0)],
    "a 1000 percent tier": [tier("premium", percent=1000)],
}


@pytest.mark.parametrize("tiers", ALLOWED.values(), ids=ALLOWED.keys())
def test_non_overlapping_tiers_are_accepted(tiers: list[dict[str, Any]]) -> None:
    policy = Policy.model_validate({"pricing_tiers": tiers})
    assert [t.name for t in policy.pricing_tiers] == [t["name"] for t in tiers]
    updated = merged(Policy(), PolicyUpdate.model_validate({"pricing_tiers": tiers}))
    assert updated.pricing_tiers == policy.pricing_tiers


def test_window_minutes_treat_00_00_as_the_end_of_the_day() -> None:
    policy = Policy.model_validate(
        {"pricing_tiers": [tier("peak"), tier("late", starts="20:00", ends="00:00")]}
    )
    assert [t.minutes() for t in policy.pricing_tiers] == [(1020, 1200), (1200, 1440)]
    assert policy.pricing_tiers[1].ends == time(0, 0)


OVERLAPPING: dict[str, list[dict[str, Any]]] = {
    "partly overlapping windows": [
        tier("peak", starts="17:00", ends="20:00"),
        tier("evening", starts="19:00", ends="21:00"),
    ],
    "a window inside another": [
        tier("peak", starts="17:00", ends="20:00"),
        tier("happy hour", starts="18:00", ends="18:30"),
    ],
    "identical windows": [tier("peak"), tier("also peak", percent=120)],
    "a window inside an end-of-day window": [
        tier("late", starts="20:00", ends="00:00"),
        tier("midnight", starts="23:00", ends="23:30"),
    ],
    "overlap on only one shared weekday": [
        tier("weekday peak", ("mon", "tue", "wed", "thu", "fri")),
        tier("friday night", ("fri", "sat"), starts="19:59", ends="23:00"),
    ],
}


@pytest.mark.parametrize("tiers", OVERLAPPING.values(), ids=OVERLAPPING.keys())
def test_tiers_overlapping_on_a_shared_weekday_are_refused(tiers: list[dict[str, Any]]) -> None:
    with pytest.raises(ValidationError, match="overlap"):
        Policy.model_validate({"pricing_tiers": tiers})
    update = PolicyUpdate.model_validate({"pricing_tiers": tiers})
    with pytest.raises(InvalidPolicy) as raised:
        merged(Policy(), update)
    assert raised.value.code == "invalid_policy"
    assert any("overlap" in problem["problem"] for problem in raised.value.data["problems"])


def test_a_refused_update_leaves_the_current_tiers_unchanged() -> None:
    current = Policy.model_validate({"pricing_tiers": [tier("peak")]})
    before = current.model_dump()
    with pytest.raises(InvalidPolicy):
        merged(
            current,
            PolicyUpdate.model_validate({"pricing_tiers": OVERLAPPING["identical windows"]}),
        )
    assert current.model_dump() == before


def test_an_update_replaces_the_whole_tier_list() -> None:
    current = Policy.model_validate({"pricing_tiers": [tier("peak")]})
    assert merged(current, PolicyUpdate(pricing_tiers=[])).pricing_tiers == []
    assert merged(current, PolicyUpdate(max_freeze_days=7)).pricing_tiers == current.pricing_tiers


INVALID_TIER: dict[str, dict[str, Any]] = {
    "ends before starts": tier(starts="20:00", ends="17:00"),
    "ends equal to starts": tier(starts="17:00", ends="17:00"),
    "a repeated weekday": tier(weekdays=("mon", "tue", "mon")),
    "an unknown weekday": tier(weekdays=("mon", "funday")),
    "a capitalised weekday": tier(weekdays=("Mon",)),
    "no weekdays": tier(weekdays=()),
    "an empty name": tier(name=""),
    "percent over 1000": tier(percent=1001),
    "a negative percent": tier(percent=-1),
    "an extra field": tier(fee_minor=500),
    "starts with an offset": tier(starts="17:00+02:00"),
    "starts with seconds": tier(starts="17:00:30"),
    "ends with seconds (windows are whole minutes)": tier(ends="20:00:15"),
    "ends in utc": tier(ends="20:00Z"),
    "not a time": tier(starts="5pm"),
}


@pytest.mark.parametrize("bad", INVALID_TIER.values(), ids=INVALID_TIER.keys())
def test_an_invalid_tier_is_refused_by_the_policy_and_by_an_update(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Policy.model_validate({"pricing_tiers": [bad]})
    # An update is parsed before merging, so the tier is refused there (FastAPI's 422).
    with pytest.raises(ValidationError):
        PolicyUpdate.model_validate({"pricing_tiers": [bad]})


INVALID_UPDATE: dict[str, dict[str, Any]] = {
    "null pricing tiers": {"pricing_tiers": None},
    "null max_freeze_days": {"max_freeze_days": None},
    "null members_can_freeze": {"members_can_freeze": None},
    "null members_can_cancel": {"members_can_cancel": None},
}


@pytest.mark.parametrize("changes", INVALID_UPDATE.values(), ids=INVALID_UPDATE.keys())
def test_merging_an_update_that_breaks_the_policy_raises_invalid_policy(
    changes: dict[str, Any],
) -> None:
    with pytest.raises(InvalidPolicy) as raised:
        merged(Policy(), PolicyUpdate.model_validate(changes))
    assert raised.value.data["problems"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("max_freeze_days", -1), ("max_freeze_days", 367), ("members_can_freeze", "often")],
)
def test_out_of_range_freeze_settings_are_refused(field: str, value: object) -> None:
    with pytest.raises(ValidationError):
        Policy.model_validate({field: value})
