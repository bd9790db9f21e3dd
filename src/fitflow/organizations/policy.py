"""The studio's booking policy, typed and validated: durations in seconds, tiers sorted."""

from __future__ import annotations

from itertools import pairwise
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
