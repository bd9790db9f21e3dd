"""The printable document as a PDF (fpdf2). With a Unicode TrueType font on the system
(DejaVu Sans, as Debian ships it) every name prints as written; without one, the PDF
falls back to Helvetica and characters outside Latin-1 print as `?`."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from fitflow.invoices.documents import Document

FONT_DIRECTORIES = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
)
FAMILY = "DejaVu"
FALLBACK = "Helvetica"
Fonts = tuple[Path, Path]
"""A regular and a bold TrueType file."""


@cache
def unicode_fonts() -> Fonts | None:
    """DejaVu Sans (regular and bold) where the system has it."""
    for directory in FONT_DIRECTORIES:
        regular, bold = directory / "DejaVuSans.ttf", directory / "DejaVuSans-Bold.ttf"
        if regular.is_file():
            return regular, bold if bold.is_file() else regular
    return None


class _Writer:
    """Text in the chosen font; in the Latin-1 fallback, what it cannot encode is `?`."""

    def __init__(self, fonts: Fonts | None) -> None:
        self.pdf = FPDF(format="A4")
        self.family = FALLBACK if fonts is None else FAMILY
        if fonts is not None:
            self.pdf.add_font(FAMILY, "", fonts[0])
            self.pdf.add_font(FAMILY, "B", fonts[1])
        self.unicode = fonts is not None

    def text(self, value: str) -> str:
        return value if self.unicode else value.encode("latin-1", "replace").decode("latin-1")

    def font(self, size: float, *, bold: bool = False) -> None:
        self.pdf.set_font(self.family, "B" if bold else "", size)

    def line(self, value: str, *, height: float = 5, align: str = "L") -> None:
        self.pdf.cell(0, height, self.text(value), align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def render(doc: Document, *, fonts: Fonts | None) -> bytes:
    """The document as PDF bytes, dated with its issue instant. CPU-bound: run it in a
    worker thread."""
    writer = _Writer(fonts)
    pdf = writer.pdf
    pdf.set_creation_date(doc.issued_at)
    pdf.set_title(writer.text(f"{doc.title} {doc.number}"))
    pdf.set_author(writer.text(doc.seller_name))
    pdf.add_page()
    _heading(writer, doc)
    _lines(writer, doc)
    _totals(writer, doc)
    if doc.footer:
        pdf.ln(8)
        writer.font(9)
        pdf.multi_cell(0, 4.5, writer.text(doc.footer), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


def _heading(writer: _Writer, doc: Document) -> None:
    writer.font(18, bold=True)
    writer.line(doc.title, height=10)
    writer.font(10)
    writer.line(f"Number: {doc.number}")
    writer.line(f"Date: {doc.issued_on}")
    if doc.credits:
        writer.line(doc.credits)
    writer.pdf.ln(4)
    writer.font(10, bold=True)
    writer.line(doc.seller_name)
    writer.font(10)
    for value in doc.seller_lines:
        writer.line(value)
    writer.pdf.ln(4)
    writer.font(8, bold=True)
    writer.line("BILLED TO")
    writer.font(10)
    for value in doc.buyer_lines:
        writer.line(value)
    writer.pdf.ln(6)


def _lines(writer: _Writer, doc: Document) -> None:
    writer.font(10)
    rows = [("Description", "Qty", "Unit price", "Amount")]
    rows += [(line.description, line.quantity, line.unit, line.total) for line in doc.lines]
    with writer.pdf.table(
        col_widths=(50, 8, 21, 21),
        text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT"),
        borders_layout="HORIZONTAL_LINES",
    ) as table:
        for values in rows:
            row = table.row()
            for value in values:
                row.cell(writer.text(value))


def _totals(writer: _Writer, doc: Document) -> None:
    writer.pdf.ln(3)
    for label, value, bold in (
        ("Net", doc.subtotal, False),
        (doc.tax_label, doc.tax, False),
        (doc.total_label, doc.total, True),
    ):
        writer.font(10, bold=bold)
        writer.pdf.cell(140, 6, writer.text(label))
        writer.pdf.cell(0, 6, writer.text(value), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    writer.font(8)
    writer.line("Prices include tax.")
