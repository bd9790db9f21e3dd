"""Reading invoices: staff list and filter the studio's, a member reads only their own, as
JSON, as a printable HTML page and as a PDF."""

from __future__ import annotations

import itertools
import re
import zlib
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from fitflow.invoices import pdf
from fitflow.invoices.documents import Document, Line
from fitflow.kit import time
from tests.factories import Account, account
from tests.invoices.conftest import credit_notes_of, invoice_of, invoices, set_legal_details
from tests.payments.conftest import Desk, berlin

FORMATS = ("", ".html", ".pdf")


def pdf_objects(document: bytes) -> dict[int, bytes]:
    """Parse a PDF's classic cross-reference table: every object it lists starts where the
    table says, and the trailer names the catalog. The objects by number."""
    assert document.startswith(b"%PDF-1.")
    assert document.rstrip().endswith(b"%%EOF")
    start = re.findall(rb"startxref\s+(\d+)\s+%%EOF", document)
    assert len(start) == 1
    table = document[int(start[0]) :]
    header = re.match(rb"xref\s+0 (\d+)\s+", table)
    assert header is not None
    size = int(header.group(1))
    entries = table[header.end() : header.end() + 20 * size].split(b"\n")
    offsets: dict[int, int] = {}
    for number, entry in enumerate(entries[:size]):
        offset, _, state = entry.split()[:3]
        if state == b"n":
            assert document[int(offset) :].startswith(b"%d 0 obj" % number), number
            offsets[number] = int(offset)
    assert len(offsets) == size - 1  # object 0 heads the free list
    bounds = [*sorted(offsets.values()), int(start[0])]
    ends = dict(itertools.pairwise(bounds))
    objects = {number: document[offset : ends[offset]] for number, offset in offsets.items()}
    trailer = table[header.end() + 20 * size :]
    assert re.search(rb"/Size %d\b" % size, trailer)
    root = re.search(rb"/Root (\d+) 0 R", trailer)
    assert root is not None
    assert b"/Type /Catalog" in objects[int(root.group(1))]
    return objects


def pdf_text(document: bytes) -> bytes:
    """Every content stream, inflated (where text drawn in a core font is plain)."""
    found = []
    for body in pdf_objects(document).values():
        match = re.search(rb"stream\r?\n(.*?)\r?\nendstream", body, re.DOTALL)
        if match and b"/FlateDecode" in body:
            found.append(zlib.decompress(match.group(1)))
    return b"\n".join(found)


async def get(desk: Desk, path: str, caller: Account) -> httpx.Response:
    return await desk.client.get(desk.url(path), headers=caller.headers)


async def another_member(desk: Desk) -> tuple[Account, str]:
    other = await account(desk.client, full_name="Other Member")
    joined = await desk.client.post(desk.url("/join"), headers=other.headers)
    assert joined.status_code == 201, joined.text
    return other, str(joined.json()["id"])


class TestStaffLists:
    async def test_staff_filter_by_member_and_kind_newest_first(self, desk: Desk) -> None:
        _, other_id = await another_member(desk)
        mine = await desk.sell(desk.pack_id)
        with time.frozen(berlin(11, 16, 8, 1)):
            theirs = await desk.sell(desk.pack_id, member_id=other_id)
        with time.frozen(berlin(11, 16, 8, 2)):
            await desk.refund(mine["id"], 1000)
        everything = await invoices(desk)
        assert [item["display_number"] for item in everything] == [
            "CN-000001",
            "INV-000002",
            "INV-000001",
        ]
        assert [item["order_id"] for item in await invoices(desk, member_id=other_id)] == [
            theirs["id"]
        ]
        assert [item["kind"] for item in await invoices(desk, kind="credit_note")] == [
            "credit_note"
        ]
        ours = await invoices(desk, member_id=desk.member_id, kind="invoice")
        assert [item["order_id"] for item in ours] == [mine["id"]]

    async def test_pages_follow_the_cursor(self, desk: Desk) -> None:
        for minute in (1, 2, 3):
            with time.frozen(berlin(11, 16, 8, minute)):
                await desk.sell(desk.pack_id)
        seen: list[int] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
            response = await desk.client.get(
                desk.url("/invoices"), headers=desk.headers("admin"), params=params
            )
            assert response.status_code == 200, response.text
            seen += [item["number"] for item in response.json()["items"]]
            cursor = response.json()["next_cursor"]
            if cursor is None:
                break
        assert seen == [3, 2, 1]

    async def test_an_unknown_kind_is_refused(self, desk: Desk) -> None:
        response = await desk.client.get(
            desk.url("/invoices"), headers=desk.headers("owner"), params={"kind": "receipt"}
        )
        assert response.status_code == 422


class TestMembersReadTheirOwn:
    async def test_a_member_lists_only_their_own_invoices(self, desk: Desk) -> None:
        _, other_id = await another_member(desk)
        mine = await desk.sell(desk.pack_id)
        await desk.sell(desk.pack_id, member_id=other_id)
        await desk.refund(mine["id"], 500)
        response = await get(desk, "/me/invoices", desk.studio.accounts["member"])
        assert response.status_code == 200, response.text
        items = response.json()["items"]
        assert {item["order_id"] for item in items} == {mine["id"]}
        assert sorted(item["kind"] for item in items) == ["credit_note", "invoice"]
        only = await get(desk, "/me/invoices?kind=credit_note", desk.studio.accounts["member"])
        assert [item["kind"] for item in only.json()["items"]] == ["credit_note"]

    @pytest.mark.parametrize("suffix", FORMATS)
    async def test_a_member_reads_their_own_invoice_in_every_format(
        self, desk: Desk, suffix: str
    ) -> None:
        order = await desk.sell(desk.pack_id)
        invoice = await invoice_of(desk, order["id"])
        response = await get(
            desk, f"/invoices/{invoice['id']}{suffix}", desk.studio.accounts["member"]
        )
        assert response.status_code == 200, response.text
        if suffix:
            assert response.headers["cache-control"] == "private, no-store"

    @pytest.mark.parametrize("suffix", FORMATS)
    async def test_another_members_invoice_does_not_exist_for_them(
        self, desk: Desk, suffix: str
    ) -> None:
        other, other_id = await another_member(desk)
        theirs = await desk.sell(desk.pack_id, member_id=other_id)
        await desk.sell(desk.pack_id)
        invoice = await invoice_of(desk, theirs["id"])
        path = f"/invoices/{invoice['id']}{suffix}"
        for caller in (desk.studio.accounts["member"], desk.studio.accounts["outsider"]):
            response = await get(desk, path, caller)
            assert response.status_code == 404, response.text
            assert response.json()["error"]["code"] == "invoice_not_found"
            assert other.email not in response.text
        assert (await get(desk, path, other)).status_code == 200

    async def test_someone_who_is_not_a_member_has_no_invoices_of_their_own(
        self, desk: Desk
    ) -> None:
        response = await get(desk, "/me/invoices", desk.studio.accounts["receptionist"])
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "member_not_found"


class TestPrintableHtml:
    async def test_the_page_shows_the_legal_details_the_buyer_the_lines_and_the_tax(
        self, desk: Desk
    ) -> None:
        order = await desk.sell(desk.pack_id)
        invoice = await invoice_of(desk, order["id"])
        response = await get(desk, f"/invoices/{invoice['id']}.html", desk.studio.accounts["admin"])
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        page = response.text
        for expected in (
            "<title>Invoice INV-000001 · Studio Sonne GmbH</title>",
            "Studio Sonne GmbH",
            "Kastanienallee 1",
            "10435 Berlin",
            "Tax ID: DE123456789",
            "hello@sonne.example",
            "Registered at Amtsgericht Charlottenburg, HRB 12345",
            "Member",
            desk.studio.accounts["member"].email,
            "10 classes",
            "120.00 EUR",
            "100.84 EUR",
            "Tax 19% (included)",
            "19.16 EUR",
            '<time datetime="2026-11-16">2026-11-16</time>',
            "@media print",
        ):
            assert expected in page, expected

    async def test_the_date_is_the_studio_local_day(self, desk: Desk) -> None:
        with time.frozen(datetime(2026, 11, 16, 23, 30, tzinfo=UTC)):  # 00:30 in Berlin
            await desk.relogin("receptionist", "owner")
            order = await desk.sell(desk.pack_id)
            invoice = await invoice_of(desk, order["id"])
            response = await get(
                desk, f"/invoices/{invoice['id']}.html", desk.studio.accounts["owner"]
            )
        assert '<time datetime="2026-11-17">' in response.text

    async def test_a_credit_note_names_the_invoice_it_credits(self, desk: Desk) -> None:
        order = await desk.sell(desk.pack_id)
        await desk.refund(order["id"], 12000)
        [note] = await credit_notes_of(desk, order["id"])
        response = await get(desk, f"/invoices/{note['id']}.html", desk.studio.accounts["owner"])
        for expected in (
            "Credit note",
            "CN-000001",
            "Credits invoice INV-000001",
            "Total credited",
        ):
            assert expected in response.text, expected

    async def test_what_the_studio_typed_is_escaped(self, desk: Desk) -> None:
        await set_legal_details(desk, legal_name="<script>alert(1)</script> & Co")
        order = await desk.sell(desk.pack_id)
        invoice = await invoice_of(desk, order["id"])
        response = await get(desk, f"/invoices/{invoice['id']}.html", desk.studio.accounts["owner"])
        assert "<script>" not in response.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in response.text


class TestPdf:
    async def test_the_pdf_is_a_well_formed_document_named_by_its_number(self, desk: Desk) -> None:
        order = await desk.sell(desk.pack_id)
        invoice = await invoice_of(desk, order["id"])
        response = await get(desk, f"/invoices/{invoice['id']}.pdf", desk.studio.accounts["member"])
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/pdf"
        assert response.headers["content-disposition"] == 'inline; filename="INV-000001.pdf"'
        assert response.content.startswith(b"%PDF")
        objects = pdf_objects(response.content)
        assert any(b"/Type /Page" in body for body in objects.values())
        info = b"".join(body for body in objects.values() if b"/Title" in body)
        assert b"Invoice INV-000001" in info or b"FEFF" in info.upper()

    def test_without_a_unicode_font_the_text_is_latin_1_and_the_rest_becomes_a_question_mark(
        self,
    ) -> None:
        document = pdf.render(sample(), fonts=None)
        text = pdf_text(document)
        for expected in (b"INV-000042", b"Stra\\337e 5", b"Zo\\353 ?", b"120.00 EUR", b"(Tax 19%"):
            assert expected in text.replace(b"\xdf", b"\\337").replace(b"\xeb", b"\\353"), expected
        assert b"Helvetica" in document

    def test_with_the_system_unicode_font_the_pdf_embeds_it(self) -> None:
        fonts = pdf.unicode_fonts()
        document = pdf.render(sample(), fonts=fonts)
        assert pdf_objects(document)
        if fonts is not None:
            assert b"DejaVu" in document
            assert b"/FontFile2" in document


def sample() -> Document:
    return Document(
        title="Invoice",
        number="INV-000042",
        issued_at=datetime(2026, 11, 16, 7, tzinfo=UTC),
        issued_on="2026-11-16",
        credits=None,
        seller_name="Łódź Fitness",
        seller_lines=["Straße 5", "Tax ID: PL1234567890"],
        buyer_lines=["Zoë ✓", "zoe@example.com"],
        lines=[Line("10 classes", "1", "120.00 EUR", "120.00 EUR")],
        subtotal="100.84 EUR",
        tax_label="Tax 19% (included)",
        tax="19.16 EUR",
        total_label="Total",
        total="120.00 EUR",
        footer="Danke ✓",
    )
