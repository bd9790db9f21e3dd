"""The pure rules of the ledger: units and which lots pay."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from fitflow.credits.allocation import LotState, NotEnoughCredits, allocate
from fitflow.credits.units import as_credits, percent_of

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def lot(
    remaining: int,
    expires_in_days: float | None = None,
    *,
    first_use_days: int | None = None,
    age_days: int = 0,
) -> LotState:
    expires_at = None if expires_in_days is None else NOW + timedelta(days=expires_in_days)
    return LotState(
        uuid.uuid4(), remaining, expires_at, first_use_days, NOW - timedelta(days=age_days)
    )


@pytest.mark.parametrize(
    ("units", "percent", "expected"),
    [(100, 100, 100), (100, 50, 50), (150, 50, 75), (1, 50, 0), (101, 50, 50), (100, 0, 0)],
)
def test_percent_of_rounds_down_to_a_whole_unit(units: int, percent: int, expected: int) -> None:
    assert percent_of(units, percent) == expected


@pytest.mark.parametrize(
    ("units", "text"), [(0, "0"), (100, "1"), (150, "1.5"), (105, "1.05"), (-50, "-0.5")]
)
def test_as_credits_spells_units_exactly(units: int, text: str) -> None:
    assert as_credits(units) == text


class TestAllocation:
    def test_the_lot_that_expires_first_pays_first(self) -> None:
        later, sooner = lot(300, 30), lot(300, 5)
        assert allocate([later, sooner], 100, NOW) == [(sooner.lot_id, 100)]

    def test_a_charge_spills_over_into_the_next_lot(self) -> None:
        sooner, later = lot(50, 5), lot(300, 30)
        assert allocate([later, sooner], 120, NOW) == [(sooner.lot_id, 50), (later.lot_id, 70)]

    def test_lots_that_never_expire_pay_last_oldest_first(self) -> None:
        old, new, dated = lot(100, age_days=9), lot(100, age_days=1), lot(100, 60)
        assert allocate([new, old, dated], 300, NOW) == [
            (dated.lot_id, 100),
            (old.lot_id, 100),
            (new.lot_id, 100),
        ]

    def test_an_expired_lot_pays_nothing(self) -> None:
        expired, valid = lot(500, -0.001), lot(100, 10)
        assert allocate([expired, valid], 100, NOW) == [(valid.lot_id, 100)]
        with pytest.raises(NotEnoughCredits) as short:
            allocate([expired, valid], 200, NOW)
        assert (short.value.needed, short.value.available) == (200, 100)

    def test_a_lot_expiring_at_this_instant_no_longer_counts(self) -> None:
        assert not lot(100, 0).usable_at(NOW)

    def test_a_first_use_lot_ranks_by_the_expiry_using_it_would_give(self) -> None:
        first_use, dated = lot(100, first_use_days=10), lot(100, 20)
        assert allocate([dated, first_use], 100, NOW) == [(first_use.lot_id, 100)]

    def test_all_or_nothing(self) -> None:
        with pytest.raises(NotEnoughCredits):
            allocate([lot(99, 5)], 100, NOW)

    def test_only_positive_charges(self) -> None:
        with pytest.raises(ValueError, match="positive"):
            allocate([lot(100)], 0, NOW)
