"""The booking policy: defaults, validation and partial updates (no database)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from fitflow.organizations.errors import InvalidPolicy
from fitflow.organizations.policy import Policy, PolicyUpdate, merged, policy_of, stored_form

# The example policy of API.md, verbatim.
API_CONTRACT_EXAMPLE: dict[str, Any] = {
    "hold_seconds": 600,
    "waitlist_mode": "offer",
    "waitlist_offer_seconds": 300,
    "waitlist_max": None,
    "waitlist_cutoff_seconds": 0,
    "booking_opens_days": 14,
    "booking_closes_seconds": 0,
    "cancellation_tiers": [
        {"min_hours_before": 24, "refund_percent": 100},
        {"min_hours_before": 12, "refund_percent": 50},
        {"min_hours_before": 0, "refund_percent": 0},
    ],
    "checkin_opens_seconds": 1800,
    "checkin_grace_seconds": 600,
    "strikes": None,
}
# What FitFlow adds to the contract's policy: pricing tiers, membership self-service and the
# grace days of a failed subscription renewal.
FITFLOW_ADDITIONS: dict[str, Any] = {
    "pricing_tiers": [],
    "max_freeze_days": 30,
    "members_can_freeze": False,
    "members_can_cancel": False,
    "renewal_grace_days": 7,
}
# The full default policy: the contract's example plus FitFlow's additions.
API_EXAMPLE: dict[str, Any] = {**API_CONTRACT_EXAMPLE, **FITFLOW_ADDITIONS}

DURATIONS = [
    "hold_seconds",
    "waitlist_offer_seconds",
    "waitlist_cutoff_seconds",
    "booking_closes_seconds",
    "checkin_opens_seconds",
    "checkin_grace_seconds",
]


def tiers(*pairs: tuple[int, int]) -> list[dict[str, int]]:
    return [{"min_hours_before": h, "refund_percent": p} for h, p in pairs]


INVALID: dict[str, dict[str, Any]] = {
    "unsorted tiers": {"cancellation_tiers": tiers((12, 50), (24, 100), (0, 0))},
    "two tiers at the same hour": {"cancellation_tiers": tiers((24, 100), (24, 50), (0, 0))},
    "last tier not at 0": {"cancellation_tiers": tiers((24, 100), (12, 50))},
    "no tiers": {"cancellation_tiers": []},
    "refund over 100 percent": {"cancellation_tiers": tiers((0, 101))},
    "negative tier hour": {"cancellation_tiers": tiers((0, 100), (-1, 0))},
    **{f"negative {name}": {name: -1} for name in DURATIONS},
    "negative booking_opens_days": {"booking_opens_days": -1},
    "zero hold_seconds": {"hold_seconds": 0},
    "unknown waitlist_mode": {"waitlist_mode": "lottery"},
    "zero waitlist_max": {"waitlist_max": 0},
    "extra top-level field": {"refund_everything": True},
    "extra tier field": {
        "cancellation_tiers": [{"min_hours_before": 0, "refund_percent": 0, "fee": 5}]
    },
    "extra strikes field": {"strikes": {"limit": 3, "window_days": 30, "ban_days": 7, "x": 1}},
    "strikes limit 0": {"strikes": {"limit": 0, "window_days": 30, "ban_days": 7}},
    "strikes window_days 0": {"strikes": {"limit": 3, "window_days": 0, "ban_days": 7}},
    "strikes ban_days 0": {"strikes": {"limit": 3, "window_days": 30, "ban_days": 0}},
    "strikes missing a field": {"strikes": {"limit": 3, "window_days": 30}},
}

# Rules on single fields are checked by PolicyUpdate itself (FastAPI answers its 422);
# rules across fields (tier order, the last tier) only when merged into a whole policy.
CROSS_FIELD = {"unsorted tiers", "two tiers at the same hour", "last tier not at 0"}


class TestDefaultPolicy:
    def test_defaults_equal_the_example_of_the_api_contract_plus_fitflows_additions(
        self,
    ) -> None:
        assert Policy().model_dump(mode="json") == API_EXAMPLE

    def test_the_example_of_the_api_contract_alone_is_valid_and_means_the_defaults(
        self,
    ) -> None:
        assert Policy.model_validate(API_CONTRACT_EXAMPLE) == Policy()

    def test_a_strike_rule_with_positive_values_is_valid(self) -> None:
        rule = {"limit": 3, "window_days": 30, "ban_days": 7}
        policy = Policy.model_validate({**API_EXAMPLE, "strikes": rule})
        assert policy.model_dump()["strikes"] == rule

    def test_a_single_tier_at_zero_hours_is_valid(self) -> None:
        policy = Policy.model_validate({"cancellation_tiers": tiers((0, 100))})
        assert [t.refund_percent for t in policy.cancellation_tiers] == [100]


class TestPolicyValidation:
    @pytest.mark.parametrize("change", list(INVALID.values()), ids=list(INVALID))
    def test_an_invalid_policy_is_refused(self, change: dict[str, Any]) -> None:
        with pytest.raises(ValidationError):
            Policy.model_validate({**API_EXAMPLE, **change})

    @pytest.mark.parametrize("name", sorted(CROSS_FIELD))
    def test_tier_order_is_checked_when_the_update_is_merged(self, name: str) -> None:
        update = PolicyUpdate.model_validate(INVALID[name])
        with pytest.raises(InvalidPolicy) as refused:
            merged(Policy(), update)
        assert refused.value.status == 422
        problems = refused.value.data["problems"]
        assert len(problems) == 1
        assert "cancellation" in problems[0]["problem"]

    @pytest.mark.parametrize("name", sorted(set(INVALID) - CROSS_FIELD))
    def test_single_field_rules_are_checked_by_the_update_itself(self, name: str) -> None:
        with pytest.raises(ValidationError):
            PolicyUpdate.model_validate(INVALID[name])


class TestMergedPolicy:
    def test_only_the_given_fields_change(self) -> None:
        current = Policy.model_validate({**API_EXAMPLE, "waitlist_max": 5})
        result = merged(current, PolicyUpdate.model_validate({"hold_seconds": 120}))
        assert result.model_dump(mode="json") == {
            **API_EXAMPLE,
            "waitlist_max": 5,
            "hold_seconds": 120,
        }

    def test_an_empty_update_changes_nothing(self) -> None:
        current = Policy.model_validate({**API_EXAMPLE, "waitlist_mode": "auto"})
        assert merged(current, PolicyUpdate()) == current

    def test_given_tiers_replace_all_the_tiers(self) -> None:
        new_tiers = tiers((48, 100), (0, 25))
        update = PolicyUpdate.model_validate({"cancellation_tiers": new_tiers})
        result = merged(Policy(), update)
        assert result.model_dump(mode="json")["cancellation_tiers"] == new_tiers

    def test_an_explicit_null_clears_waitlist_max_and_strikes(self) -> None:
        rule = {"limit": 3, "window_days": 30, "ban_days": 7}
        current = Policy.model_validate({**API_EXAMPLE, "waitlist_max": 20, "strikes": rule})
        cleared = merged(
            current, PolicyUpdate.model_validate({"waitlist_max": None, "strikes": None})
        )
        assert cleared.waitlist_max is None
        assert cleared.strikes is None
        assert cleared.model_dump(mode="json") == API_EXAMPLE

    def test_leaving_waitlist_max_and_strikes_out_keeps_them(self) -> None:
        rule = {"limit": 3, "window_days": 30, "ban_days": 7}
        current = Policy.model_validate({**API_EXAMPLE, "waitlist_max": 20, "strikes": rule})
        kept = merged(current, PolicyUpdate.model_validate({"waitlist_mode": "auto"}))
        assert kept.waitlist_max == 20
        assert kept.model_dump()["strikes"] == rule
        assert kept.waitlist_mode == "auto"

    def test_setting_strikes_replaces_the_whole_rule(self) -> None:
        rule = {"limit": 2, "window_days": 10, "ban_days": 3}
        result = merged(Policy(), PolicyUpdate.model_validate({"strikes": rule}))
        assert result.model_dump()["strikes"] == rule

    @pytest.mark.parametrize("name", ["hold_seconds", "waitlist_mode", "cancellation_tiers"])
    def test_an_explicit_null_for_a_required_field_is_an_invalid_policy(self, name: str) -> None:
        with pytest.raises(InvalidPolicy) as refused:
            merged(Policy(), PolicyUpdate.model_validate({name: None}))
        assert [p["field"] for p in refused.value.data["problems"]] == [name]

    def test_the_current_policy_is_not_modified_by_a_merge(self) -> None:
        current = Policy()
        merged(current, PolicyUpdate.model_validate({"hold_seconds": 60}))
        assert current == Policy()


class TestStoredForm:
    """How the policy sits in the database, so releases before and after a new policy
    field read each other's studios during a rolling upgrade."""

    def test_only_what_differs_from_the_defaults_is_stored(self) -> None:
        policy = Policy.model_validate({**API_EXAMPLE, "hold_seconds": 90})
        assert stored_form(Policy()) == {}
        assert stored_form(policy) == {"hold_seconds": 90}
        assert policy_of(stored_form(policy)) == policy

    def test_a_field_written_by_a_newer_release_is_ignored_when_read(self) -> None:
        stored = {"hold_seconds": 90, "a_field_from_the_future": {"on": True}}
        assert policy_of(stored) == Policy(hold_seconds=90)

    def test_pricing_tiers_are_stored_as_json(self) -> None:
        tier = {"name": "peak", "weekdays": ["mon"], "starts": "17:00", "ends": "20:00"}
        policy = Policy.model_validate({"pricing_tiers": [{**tier, "credit_percent": 150}]})
        assert stored_form(policy)["pricing_tiers"] == [
            {**tier, "starts": "17:00:00", "ends": "20:00:00", "credit_percent": 150}
        ]
