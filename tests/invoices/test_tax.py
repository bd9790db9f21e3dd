"""The invoice arithmetic, with tables of cases and no database."""

from __future__ import annotations

import itertools

import pytest

from fitflow.invoices.tax import (
    credited_tax,
    display_number,
    divide_half_up,
    included_tax,
    rate_label,
)
from fitflow.kit.money import format_minor


class TestIncludedTax:
    @pytest.mark.parametrize(
        ("total_minor", "rate_bp", "tax_minor"),
        [
            (0, 1900, 0),
            (12000, 0, 0),
            (11900, 1900, 1900),  # 100.00 net exactly
            (12000, 1900, 1916),  # net 10084.03 -> 10084
            (9000, 1900, 1437),  # net 7563.03 -> 7563
            (1, 1900, 0),  # net 0.84 -> 1
            (107, 700, 7),  # net 100.00 exactly at 7%
            (1070, 700, 70),
            (1, 10000, 0),  # net 0.5 rounds half up to 1
            (3, 10000, 1),  # net 1.5 -> 2
            (200, 10000, 100),  # a 100% rate halves the price
            (1000, 2000, 167),  # net 833.33 -> 833
            (1005, 500, 48),  # net 957.14 -> 957
            (2150, 750, 150),  # net 2000.00 exactly at 7.5%
            (100_000_000, 1900, 15_966_387),  # net 84033613.4 -> 84033613
        ],
    )
    def test_the_tax_inside_a_price_is_the_total_less_the_net_rounded_half_up(
        self, total_minor: int, rate_bp: int, tax_minor: int
    ) -> None:
        assert included_tax(total_minor, rate_bp) == tax_minor

    @pytest.mark.parametrize("rate_bp", [0, 1, 700, 1900, 2500, 9999, 10000])
    def test_net_and_tax_always_add_up_to_the_total(self, rate_bp: int) -> None:
        for total in range(0, 3000):
            tax = included_tax(total, rate_bp)
            assert 0 <= tax <= total
            net = total - tax
            # the net is the nearest integer to total / (1 + rate), ties up
            assert abs(2 * net * (10000 + rate_bp) - 2 * total * 10000) <= 10000 + rate_bp

    @pytest.mark.parametrize(("total_minor", "rate_bp"), [(-1, 1900), (100, -1), (100, 10001)])
    def test_out_of_range_values_are_refused(self, total_minor: int, rate_bp: int) -> None:
        with pytest.raises(ValueError, match=r"never negative|basis points"):
            included_tax(total_minor, rate_bp)


class TestDivideHalfUp:
    @pytest.mark.parametrize(
        ("numerator", "denominator", "quotient"),
        [(0, 7, 0), (5, 10, 1), (4, 10, 0), (15, 10, 2), (25, 10, 3), (14, 10, 1), (7, 7, 1)],
    )
    def test_halves_round_up(self, numerator: int, denominator: int, quotient: int) -> None:
        assert divide_half_up(numerator, denominator) == quotient

    @pytest.mark.parametrize(("numerator", "denominator"), [(-1, 2), (1, 0), (1, -2)])
    def test_negative_or_zero_operands_are_refused(self, numerator: int, denominator: int) -> None:
        with pytest.raises(ValueError, match="non-negative"):
            divide_half_up(numerator, denominator)


class TestCreditedTax:
    @pytest.mark.parametrize(
        ("total", "tax", "credited", "amount", "expected"),
        [
            (12000, 1916, 0, 12000, 1916),  # a full refund gives the invoice's tax back
            (12000, 1916, 0, 6000, 958),
            (12000, 1916, 6000, 6000, 958),
            (12000, 1916, 0, 7000, 1118),  # 1117.67 -> 1118
            (12000, 1916, 7000, 5000, 798),  # the rest: 1916 - 1118
            (9, 1, 0, 4, 0),  # 0.44 -> 0
            (9, 1, 4, 4, 1),  # cumulative 0.89 -> 1
            (9, 1, 8, 1, 0),
            (0, 0, 0, 0, 0),  # a free order
            (12000, 0, 0, 5000, 0),  # no tax on the invoice
            (12000, 1916, 12000, 1000, 0),  # beyond the total: no tax back
            (12000, 1916, 11000, 2000, 160),  # only the part within the total carries tax
        ],
    )
    def test_credit_notes_give_back_the_invoice_tax_in_proportion(
        self, total: int, tax: int, credited: int, amount: int, expected: int
    ) -> None:
        given = credited_tax(
            invoice_total_minor=total,
            invoice_tax_minor=tax,
            credited_minor=credited,
            amount_minor=amount,
        )
        assert given == expected

    @pytest.mark.parametrize(
        "splits", [(1, 1, 7), (4, 4, 1), (3, 3, 3), (1, 8), (2, 2, 2, 2, 1), (9,)]
    )
    def test_however_a_refund_is_split_the_credit_notes_give_back_exactly_the_tax(
        self, splits: tuple[int, ...]
    ) -> None:
        total, tax = 9, included_tax(9, 2000)
        assert sum(splits) == total
        credited, given = 0, []
        for amount in splits:
            given.append(
                credited_tax(
                    invoice_total_minor=total,
                    invoice_tax_minor=tax,
                    credited_minor=credited,
                    amount_minor=amount,
                )
            )
            credited += amount
        assert sum(given) == tax
        assert all(0 <= value <= amount for value, amount in zip(given, splits, strict=True))

    def test_every_split_of_a_price_credits_each_note_at_most_its_amount(self) -> None:
        total = 37
        for rate in (700, 1900, 10000):
            tax = included_tax(total, rate)
            for first, second in itertools.product(range(total + 1), repeat=2):
                if first + second > total:
                    continue
                one = credited_tax(
                    invoice_total_minor=total,
                    invoice_tax_minor=tax,
                    credited_minor=0,
                    amount_minor=first,
                )
                two = credited_tax(
                    invoice_total_minor=total,
                    invoice_tax_minor=tax,
                    credited_minor=first,
                    amount_minor=second,
                )
                assert 0 <= one <= first
                assert 0 <= two <= second


class TestDisplay:
    @pytest.mark.parametrize(
        ("kind", "number", "shown"),
        [
            ("invoice", 1, "INV-000001"),
            ("invoice", 42, "INV-000042"),
            ("credit_note", 7, "CN-000007"),
            ("invoice", 1_234_567, "INV-1234567"),
        ],
    )
    def test_numbers_carry_their_series_prefix(self, kind: str, number: int, shown: str) -> None:
        assert display_number(kind, number) == shown

    def test_numbers_start_at_one(self) -> None:
        with pytest.raises(ValueError, match="start at 1"):
            display_number("invoice", 0)

    @pytest.mark.parametrize(
        ("rate_bp", "label"),
        [(0, "0%"), (1900, "19%"), (750, "7.5%"), (1925, "19.25%"), (5, "0.05%")],
    )
    def test_rates_print_exactly(self, rate_bp: int, label: str) -> None:
        assert rate_label(rate_bp) == label

    @pytest.mark.parametrize(
        ("amount_minor", "currency", "shown"),
        [
            (12000, "EUR", "120.00 EUR"),
            (5, "EUR", "0.05 EUR"),
            (0, "USD", "0.00 USD"),
            (500, "JPY", "500 JPY"),
            (1234, "KWD", "1.234 KWD"),
            (-1050, "EUR", "-10.50 EUR"),
        ],
    )
    def test_money_prints_from_minor_units_without_floats(
        self, amount_minor: int, currency: str, shown: str
    ) -> None:
        assert format_minor(amount_minor, currency) == shown
