"""The studio's booking policy, typed and validated: durations in seconds, tiers sorted."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time
from itertools import combinations, pairwise
from typing import Annotated, Literal

from pydantic import Field, ValidationError, model_validator

from fitflow.kit.schemas import Strict
from fitflow.organizations.errors import InvalidPolicy

Seconds = Annotated[int, Field(ge=0, le=366 * 24 * 3600)]


class CancellationTier(Strict):
    min_hours_before: int = Field(ge=0, le=24 * 366)
    refund_percent: int = Field(ge=0, le=100)


class StrikeRule(Strict):
    limit: int = Field(ge=1, le=1000)
    window_days: int = Field(ge=1, le=366)
    ban_days: int = Field(ge=1, le=366)


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MIDNIGHT = time(0, 0)


class PricingTier(Strict):
    """Classes starting on these weekdays within [starts, ends) local time cost
    `credit_percent` of their class type's credit cost (peak above 100, off-peak below).
    `ends` of 00:00 means the end of the day."""

    name: str = Field(min_length=1, max_length=60)
    weekdays: list[Weekday] = Field(min_length=1, max_length=7)
    starts: time
    ends: time
    credit_percent: int = Field(ge=0, le=1000)

    @model_validator(mode="after")
    def _sensible_window(self) -> PricingTier:
        if len(set(self.weekdays)) != len(self.weekdays):
            raise ValueError("weekdays must not repeat")
        if self.starts.tzinfo is not None or self.ends.tzinfo is not None:
            raise ValueError("starts and ends are local wall-clock times, without an offset")
        if any(t.second or t.microsecond for t in (self.starts, self.ends)):
            raise ValueError("starts and ends are whole minutes (HH:MM)")
        if self.ends != MIDNIGHT and self.ends <= self.starts:
            raise ValueError("ends must be after starts (00:00 means the end of the day)")
        return self

    def minutes(self) -> tuple[int, int]:
        """The window as minutes after local midnight, end exclusive."""
        end = 24 * 60 if self.ends == MIDNIGHT else self.ends.hour * 60 + self.ends.minute
        return self.starts.hour * 60 + self.starts.minute, end


def _overlap(first: PricingTier, second: PricingTier) -> bool:
    if not set(first.weekdays) & set(second.weekdays):
        return False
    (a_start, a_end), (b_start, b_end) = first.minutes(), second.minutes()
    return a_start < b_end and b_start < a_end


def default_tiers() -> list[CancellationTier]:
    return [
        CancellationTier(min_hours_before=24, refund_percent=100),
        CancellationTier(min_hours_before=12, refund_percent=50),
        CancellationTier(min_hours_before=0, refund_percent=0),
    ]


class Policy(Strict):
    hold_seconds: int = Field(600, ge=1, le=24 * 3600)
    waitlist_mode: Literal["offer", "auto"] = "offer"
    waitlist_offer_seconds: int = Field(300, ge=1, le=7 * 24 * 3600)
    waitlist_max: int | None = Field(None, ge=1, le=10_000)
    waitlist_cutoff_seconds: Seconds = 0
    booking_opens_days: int = Field(14, ge=0, le=366)
    booking_closes_seconds: Seconds = 0
    cancellation_tiers: list[CancellationTier] = Field(
        default_factory=default_tiers, min_length=1, max_length=20
    )
    checkin_opens_seconds: Seconds = 1800
    checkin_grace_seconds: Seconds = 600
    strikes: StrikeRule | None = None
    pricing_tiers: list[PricingTier] = Field(default_factory=list, max_length=50)
    max_freeze_days: int = Field(30, ge=0, le=366)
    members_can_freeze: bool = False
    members_can_cancel: bool = False
    renewal_grace_days: int = Field(7, ge=0, le=60)
    """How long a member whose subscription renewal failed keeps booking before the
    membership is suspended."""

    @model_validator(mode="after")
    def _pricing_tiers_do_not_overlap(self) -> Policy:
        for first, second in combinations(self.pricing_tiers, 2):
            if _overlap(first, second):
                raise ValueError(
                    f"pricing tiers {first.name!r} and {second.name!r} overlap;"
                    " a class must fall in at most one tier"
                )
        return self

    @model_validator(mode="after")
    def _tiers_are_ordered(self) -> Policy:
        """Tiers run from furthest to closest to the start, without overlap, and the last
        one starts at 0 so every cancellation falls in exactly one tier."""
        hours = [tier.min_hours_before for tier in self.cancellation_tiers]
        if any(earlier <= later for earlier, later in pairwise(hours)):
            raise ValueError(
                "cancellation_tiers must be sorted by min_hours_before, largest first, "
                "with no two tiers starting at the same hour"
            )
        if hours[-1] != 0:
            raise ValueError("the last cancellation tier must have min_hours_before 0")
        return self


class PolicyUpdate(Strict):
    """A partial policy: the fields given replace the studio's, the rest stay."""

    hold_seconds: int | None = Field(None, ge=1, le=24 * 3600)
    waitlist_mode: Literal["offer", "auto"] | None = None
    waitlist_offer_seconds: int | None = Field(None, ge=1, le=7 * 24 * 3600)
    waitlist_max: int | None = Field(None, ge=1, le=10_000)
    waitlist_cutoff_seconds: Seconds | None = None
    booking_opens_days: int | None = Field(None, ge=0, le=366)
    booking_closes_seconds: Seconds | None = None
    cancellation_tiers: list[CancellationTier] | None = Field(None, min_length=1, max_length=20)
    checkin_opens_seconds: Seconds | None = None
    checkin_grace_seconds: Seconds | None = None
    strikes: StrikeRule | None = None
    pricing_tiers: list[PricingTier] | None = Field(None, max_length=50)
    max_freeze_days: int | None = Field(None, ge=0, le=366)
    members_can_freeze: bool | None = None
    members_can_cancel: bool | None = None
    renewal_grace_days: int | None = Field(None, ge=0, le=60)


def merged(current: Policy, update: PolicyUpdate) -> Policy:
    """Apply the fields present in `update` (explicit nulls included) and validate the
    whole policy again."""
    changes = update.model_dump(exclude_unset=True)
    try:
        return Policy.model_validate({**current.model_dump(), **changes})
    except ValidationError as exc:
        problems = [
            {"field": ".".join(str(part) for part in error["loc"]), "problem": error["msg"]}
            for error in exc.errors()
        ]
        raise InvalidPolicy(data={"problems": problems}) from exc


def policy_of(stored: Mapping[str, object]) -> Policy:
    """The studio's stored policy: today's defaults for fields it does not name, and
    fields this release does not know (written by a newer one mid-upgrade) ignored."""
    return Policy.model_validate({k: v for k, v in stored.items() if k in Policy.model_fields})


def stored_form(policy: Policy) -> dict[str, object]:
    """What is written to the database: only what differs from the defaults, so a
    release that predates a new field still reads the studios that never set it."""
    return policy.model_dump(mode="json", exclude_defaults=True)
