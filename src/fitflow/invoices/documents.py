"""What a printed invoice says, laid out once for both the HTML page and the PDF: amounts
formatted exactly from minor units, the issue date in the studio's timezone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from fitflow.invoices.schemas import InvoiceRead, Seller
from fitflow.invoices.tax import rate_label
from fitflow.kit.money import format_minor

TITLES = {"invoice": "Invoice", "credit_note": "Credit note"}


@dataclass(frozen=True)
class Line:
    description: str
    quantity: str
    unit: str
    total: str


@dataclass(frozen=True)
class Document:
    title: str
    number: str
    issued_at: datetime
    issued_on: str
    credits: str | None
    seller_name: str
    seller_lines: list[str]
    buyer_lines: list[str]
    lines: list[Line]
    subtotal: str
    tax_label: str
    tax: str
    total_label: str
    total: str
    footer: str | None


def document(invoice: InvoiceRead, *, timezone: str, credited_number: str | None) -> Document:
    """The printable content of `invoice`; `credited_number` is the display number of
    the invoice a credit note credits."""
    currency = invoice.currency
    credit_note = invoice.kind == "credit_note"
    return Document(
        title=TITLES[invoice.kind],
        number=invoice.display_number,
        issued_at=invoice.issued_at,
        issued_on=invoice.issued_at.astimezone(ZoneInfo(timezone)).date().isoformat(),
        credits=f"Credits invoice {credited_number}" if credited_number else None,
        seller_name=invoice.seller.legal_name,
        seller_lines=_seller_lines(invoice.seller),
        buyer_lines=[invoice.buyer.name, invoice.buyer.email],
        lines=[
            Line(
                description=line.description,
                quantity=str(line.quantity),
                unit=format_minor(line.unit_minor, currency),
                total=format_minor(line.total_minor, currency),
            )
            for line in invoice.lines
        ],
        subtotal=format_minor(invoice.subtotal_minor, currency),
        tax_label=f"Tax {rate_label(invoice.tax_rate_bp)} (included)",
        tax=format_minor(invoice.tax_minor, currency),
        total_label="Total credited" if credit_note else "Total",
        total=format_minor(invoice.total_minor, currency),
        footer=invoice.seller.footer,
    )


def _seller_lines(seller: Seller) -> list[str]:
    lines = [] if seller.name == seller.legal_name else [seller.name]
    lines += (seller.address or "").splitlines()
    if seller.tax_id:
        lines.append(f"Tax ID: {seller.tax_id}")
    lines += [value for value in (seller.email, seller.phone, seller.website) if value]
    return [line.strip() for line in lines if line.strip()]


@cache
def _templates() -> Environment:
    return Environment(
        loader=PackageLoader("fitflow.invoices", "templates"),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def html(doc: Document) -> str:
    """The document as a standalone HTML page that prints on one A4 sheet."""
    return _templates().get_template("invoice.html").render(doc=doc)
