"""The arithmetic of an invoice, in integer minor units: the tax inside a tax-inclusive
price, the share of it a credit note gives back, and how a number is displayed."""

from __future__ import annotations

BASIS_POINTS = 10_000
PREFIXES = {"invoice": "INV", "credit_note": "CN"}


def divide_half_up(numerator: int, denominator: int) -> int:
    """`numerator / denominator` rounded to the nearest integer, halves up (both >= 0)."""
    if numerator < 0 or denominator <= 0:
        raise ValueError("divide a non-negative amount by a positive one")
    return (2 * numerator + denominator) // (2 * denominator)


def included_tax(total_minor: int, rate_bp: int) -> int:
    """The tax inside a tax-inclusive `total_minor` at `rate_bp` basis points:
    `total - round(total / (1 + rate))`, the net rounded half up."""
    if not 0 <= rate_bp <= BASIS_POINTS:
        raise ValueError("a tax rate is 0..10000 basis points")
    if total_minor < 0:
        raise ValueError("a total is never negative")
    net = divide_half_up(total_minor * BASIS_POINTS, BASIS_POINTS + rate_bp)
    return total_minor - net


def credited_tax(
    *, invoice_total_minor: int, invoice_tax_minor: int, credited_minor: int, amount_minor: int
) -> int:
    """The tax a credit note of `amount_minor` gives back, when `credited_minor` of the
    invoice was credited before: the invoice's tax shared in proportion to the money
    credited so far, less what earlier credit notes gave back. Credit notes for the whole
    total therefore give back exactly the invoice's tax, however it was split; money
    credited beyond the total gives no tax back."""
    if amount_minor < 0 or credited_minor < 0:
        raise ValueError("credited amounts are never negative")
    if invoice_total_minor == 0:
        return 0

    def share(credited: int) -> int:
        within = min(credited, invoice_total_minor)
        return divide_half_up(invoice_tax_minor * within, invoice_total_minor)

    return share(credited_minor + amount_minor) - share(credited_minor)


def display_number(kind: str, number: int) -> str:
    """`INV-000042`, `CN-000007`: the series' prefix and the number, six digits or more."""
    if number < 1:
        raise ValueError("invoice numbers start at 1")
    return f"{PREFIXES[kind]}-{number:06d}"


def rate_label(rate_bp: int) -> str:
    """`1900` -> `"19%"`, `750` -> `"7.5%"`, exactly."""
    whole, fraction = divmod(rate_bp, 100)
    return f"{whole}%" if fraction == 0 else f"{whole}.{fraction:02d}".rstrip("0") + "%"
