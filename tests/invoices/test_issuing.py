"""Every paid order gets one invoice and every refund or void one credit note, numbered
per studio and per kind, with the studio's legal details, the tax rate and what was sold
copied in when issued."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from fitflow.invoices import service
from fitflow.payments import repository as orders
from tests.factories import staffed_studio
from tests.invoices.conftest import credit_notes_of, invoice_of, invoices, set_legal_details
from tests.payments.conftest import MONTHLY, NOW, Desk


class TestInvoiceForADeskSale:
    async def test_a_sale_is_invoiced_with_the_legal_details_the_buyer_and_its_line(
        self, desk: Desk
    ) -> None:
        order = await desk.sell(desk.pack_id)
        invoice = await invoice_of(desk, order["id"])
        assert (invoice["kind"], invoice["number"], invoice["display_number"]) == (
            "invoice",
            1,
            "INV-000001",
        )
        assert (invoice["member_id"], invoice["currency"]) == (desk.member_id, "EUR")
        assert (invoice["refund_id"], invoice["credited_invoice_id"]) == (None, None)
        assert datetime.fromisoformat(invoice["issued_at"]) == NOW
        assert invoice["lines"] == [
            {"description": "10 classes", "quantity": 1, "unit_minor": 12000, "total_minor": 12000}
        ]
        # 19% included: net 12000 / 1.19 = 10084.03 -> 10084
        assert (invoice["subtotal_minor"], invoice["tax_minor"], invoice["total_minor"]) == (
            10084,
            1916,
            12000,
        )
        assert invoice["tax_rate_bp"] == 1900
        assert invoice["seller"] == {
            "name": "Studio",
            "legal_name": "Studio Sonne GmbH",
            "address": "Kastanienallee 1\n10435 Berlin",
            "tax_id": "DE123456789",
            "email": "hello@sonne.example",
            "phone": None,
            "website": None,
            "footer": "Registered at Amtsgericht Charlottenburg, HRB 12345",
        }
        member = desk.studio.accounts["member"]
        assert invoice["buyer"] == {
            "member_id": desk.member_id,
            "name": "Member",
            "email": member.email,
        }

    async def test_the_invoice_keeps_what_was_true_when_it_was_issued(self, desk: Desk) -> None:
        first = await desk.sell(desk.pack_id)
        await set_legal_details(desk, legal_name="Sonne Fitness AG", tax_rate_bp=700)
        second = await desk.sell(desk.pack_id)
        old, new = await invoice_of(desk, first["id"]), await invoice_of(desk, second["id"])
        assert (old["seller"]["legal_name"], old["tax_rate_bp"], old["tax_minor"]) == (
            "Studio Sonne GmbH",
            1900,
            1916,
        )
        assert (new["seller"]["legal_name"], new["tax_rate_bp"], new["tax_minor"]) == (
            "Sonne Fitness AG",
            700,
            785,  # net 12000 / 1.07 = 11214.95 -> 11215
        )
        assert (old["number"], new["number"]) == (1, 2)

    async def test_the_invoice_bills_the_order_amount_not_the_plan_price(self, desk: Desk) -> None:
        """A drop-in costs a non-member more; the invoice is what the order took."""
        plan_id = await desk.plan(
            kind="drop_in", name="Drop-in", price_minor=1500, non_member_price_minor=2000
        )
        order = await desk.sell(plan_id)
        invoice = await invoice_of(desk, order["id"])
        assert order["amount_minor"] == invoice["total_minor"] == 2000
        assert invoice["lines"][0]["description"] == "Drop-in"

    async def test_without_legal_details_the_studio_name_and_no_tax_are_used(
        self, desk: Desk
    ) -> None:
        await set_legal_details(desk, legal_name=None, tax_id=None, tax_rate_bp=0)
        order = await desk.sell(desk.pack_id)
        invoice = await invoice_of(desk, order["id"])
        assert (invoice["seller"]["legal_name"], invoice["seller"]["tax_id"]) == ("Studio", None)
        assert (invoice["subtotal_minor"], invoice["tax_minor"]) == (12000, 0)

    async def test_numbers_run_per_studio(self, desk: Desk) -> None:
        other = Desk(desk.client, desk.database, await staffed_studio(desk.client))
        for _ in range(2):
            await desk.sell(desk.pack_id)
        theirs = await other.sell(other.pack_id)
        assert [item["number"] for item in await invoices(desk)] in ([2, 1], [1, 2])
        assert (await invoice_of(other, theirs["id"]))["display_number"] == "INV-000001"

    async def test_a_refused_sale_takes_no_number(self, desk: Desk) -> None:
        plan_id = await desk.plan(kind="drop_in", name="Intro", price_minor=900, intro_offer=True)
        await desk.sell(plan_id)
        refused = await desk.try_sell(plan_id)
        assert refused.status_code == 409, refused.text
        second = await desk.sell(desk.pack_id)
        assert (await invoice_of(desk, second["id"]))["number"] == 2


class TestIssuingIsIdempotent:
    async def test_issuing_twice_for_an_order_returns_the_first_invoice(self, desk: Desk) -> None:
        order = await desk.sell(desk.pack_id)
        async with desk.database.sessions() as session:
            found = await orders.by_id(
                session, await desk.organization_id(), uuid.UUID(order["id"])
            )
            assert found is not None
            again = await service.issue_for_order(session, found)
            once_more = await service.issue_for_order(session, found)
            await session.commit()
        invoice = await invoice_of(desk, order["id"])
        assert str(again.id) == str(once_more.id) == invoice["id"]
        second = await desk.sell(desk.pack_id)
        assert (await invoice_of(desk, second["id"]))["number"] == 2

    async def test_an_order_paid_before_invoicing_is_invoiced_when_refunded(
        self, desk: Desk
    ) -> None:
        """A credit note always credits an invoice: an order without one gets it first."""
        order = await desk.sell(desk.pack_id)
        async with desk.database.sessions() as session:
            await session.execute(
                text("DELETE FROM invoices WHERE order_id = :order"), {"order": order["id"]}
            )
            await session.commit()
        await desk.refund(order["id"], 2000)
        invoice = await invoice_of(desk, order["id"])
        [note] = await credit_notes_of(desk, order["id"])
        assert invoice["number"] == 2  # the counter does not go back for a deleted row
        assert note["credited_invoice_id"] == invoice["id"]


class TestCreditNotes:
    async def test_a_partial_refund_gets_a_credit_note_for_its_amount(self, desk: Desk) -> None:
        order = await desk.sell(desk.pack_id)
        refunded = await desk.refund(order["id"], 7000)
        invoice = await invoice_of(desk, order["id"])
        [note] = await credit_notes_of(desk, order["id"])
        assert (note["kind"], note["number"], note["display_number"]) == (
            "credit_note",
            1,
            "CN-000001",
        )
        assert note["refund_id"] == refunded["refunds"][0]["id"]
        assert note["credited_invoice_id"] == invoice["id"]
        assert note["lines"] == [
            {
                "description": "Partial refund of INV-000001: 10 classes",
                "quantity": 1,
                "unit_minor": 7000,
                "total_minor": 7000,
            }
        ]
        # the invoice's 1916 of tax, shared: 1916 * 7000 / 12000 = 1117.67 -> 1118
        assert (note["subtotal_minor"], note["tax_minor"], note["total_minor"]) == (
            5882,
            1118,
            7000,
        )
        assert (note["tax_rate_bp"], note["buyer"], note["currency"]) == (
            1900,
            invoice["buyer"],
            "EUR",
        )

    async def test_credit_notes_of_all_the_money_give_back_exactly_the_invoice_tax(
        self, desk: Desk
    ) -> None:
        order = await desk.sell(desk.pack_id)
        for amount in (7000, 3000, 2000):
            await desk.refund(order["id"], amount)
        notes = await credit_notes_of(desk, order["id"])
        assert [note["display_number"] for note in notes] == ["CN-000001", "CN-000002", "CN-000003"]
        assert sum(note["total_minor"] for note in notes) == 12000
        assert sum(note["tax_minor"] for note in notes) == 1916

    async def test_a_full_refund_credits_the_whole_invoice(self, desk: Desk) -> None:
        order = await desk.sell(desk.pack_id)
        await desk.refund(order["id"], 12000)
        [note] = await credit_notes_of(desk, order["id"])
        assert note["lines"][0]["description"] == "Refund of INV-000001: 10 classes"
        assert (note["subtotal_minor"], note["tax_minor"], note["total_minor"]) == (
            10084,
            1916,
            12000,
        )

    async def test_a_void_gets_a_credit_note_for_the_full_amount(self, desk: Desk) -> None:
        plan = await desk.plan(**MONTHLY)
        order = await desk.sell(plan)
        voided = await desk.void(order["id"])
        [note] = await credit_notes_of(desk, order["id"])
        assert note["refund_id"] == voided["refunds"][0]["id"]
        assert note["lines"][0]["description"] == "Void of INV-000001: Monthly unlimited"
        assert (note["total_minor"], note["tax_minor"]) == (9000, 1437)

    async def test_the_credit_note_uses_the_invoice_rate_not_the_studio_rate_now(
        self, desk: Desk
    ) -> None:
        order = await desk.sell(desk.pack_id)
        await set_legal_details(desk, tax_rate_bp=0, legal_name="Renamed GmbH")
        await desk.refund(order["id"], 12000)
        [note] = await credit_notes_of(desk, order["id"])
        assert (note["tax_rate_bp"], note["tax_minor"]) == (1900, 1916)
        assert note["seller"]["legal_name"] == "Renamed GmbH"

    async def test_a_refused_refund_issues_no_credit_note_and_takes_no_number(
        self, desk: Desk
    ) -> None:
        order = await desk.sell(desk.pack_id)
        refused = await desk.try_refund(order["id"], 12001)
        assert refused.status_code == 422, refused.text
        assert await credit_notes_of(desk, order["id"]) == []
        await desk.refund(order["id"], 1000)
        [note] = await credit_notes_of(desk, order["id"])
        assert note["number"] == 1

    async def test_issuing_a_credit_note_twice_for_a_refund_returns_the_first(
        self, desk: Desk
    ) -> None:
        order = await desk.sell(desk.pack_id)
        await desk.refund(order["id"], 5000)
        async with desk.database.sessions() as session:
            found = await orders.by_id(
                session, await desk.organization_id(), uuid.UUID(order["id"])
            )
            assert found is not None
            [refund] = (await orders.refunds_of_orders(session, [found.id]))[found.id]
            again = await service.credit_note_for_refund(session, found, refund)
            await session.commit()
        [note] = await credit_notes_of(desk, order["id"])
        assert str(again.id) == note["id"]
        second = await desk.refund(order["id"], 1000)
        assert len(second["refunds"]) == 2
        assert [n["number"] for n in await credit_notes_of(desk, order["id"])] == [1, 2]


class TestDatabaseGuards:
    @pytest.mark.parametrize(
        ("change", "constraint"),
        [
            ("tax_minor = tax_minor + 1", "ck_invoices_totals_add_up"),
            (
                "subtotal_minor = -1, tax_minor = total_minor + 1",
                "ck_invoices_amounts_not_negative",
            ),
            ("refund_id = NULL, kind = 'credit_note'", "ck_invoices_credit_note_references"),
            ("number = 2", "uq_invoices_organization_id_kind_number"),
        ],
    )
    async def test_the_table_refuses_inconsistent_invoices(
        self, desk: Desk, change: str, constraint: str
    ) -> None:
        for _ in range(2):
            await desk.sell(desk.pack_id)
        async with desk.database.sessions() as session:
            with pytest.raises(IntegrityError, match=constraint):
                await session.execute(
                    text(f"UPDATE invoices SET {change} WHERE number = 1")  # noqa: S608
                )

    async def test_a_second_invoice_for_an_order_is_refused(self, desk: Desk) -> None:
        order = await desk.sell(desk.pack_id)
        copy: dict[str, Any] = {"order": order["id"]}
        async with desk.database.sessions() as session:
            with pytest.raises(IntegrityError, match="uq_invoices_one_invoice_per_order"):
                await session.execute(
                    text(
                        "INSERT INTO invoices SELECT gen_random_uuid(), organization_id, kind,"
                        " number + 1, display_number, order_id, refund_id, credited_invoice_id,"
                        " member_id, issued_at, currency, seller, buyer, lines, subtotal_minor,"
                        " tax_rate_bp, tax_minor, total_minor FROM invoices"
                        " WHERE order_id = :order"
                    ),
                    copy,
                )
