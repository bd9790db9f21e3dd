from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from fitflow.kit.db import Base, uuid_pk

KINDS = ("invoice", "credit_note")


class InvoiceCounter(Base):
    """The last number a studio gave in one series. Incremented in the transaction that
    issues the document, so a rolled-back sale gives its number back and concurrent sales
    queue on this row: numbers have no gaps (a sequence would leave some)."""

    __tablename__ = "invoice_counters"
    __table_args__ = (
        CheckConstraint(f"kind IN {KINDS!r}", name="kind"),
        CheckConstraint("last_number >= 1", name="last_number_positive"),
    )

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(12), primary_key=True)
    last_number: Mapped[int]


class Invoice(Base):
    """An invoice for a paid order, or a credit note for one of its refunds: a legal
    record, so the seller, the buyer, the lines and the tax rate are copied in when it is
    issued and never change. Amounts include tax; `subtotal_minor` is the net."""

    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("organization_id", "kind", "number"),
        UniqueConstraint("refund_id"),
        CheckConstraint(f"kind IN {KINDS!r}", name="kind"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint(
            "subtotal_minor >= 0 AND tax_minor >= 0 AND total_minor >= 0",
            name="amounts_not_negative",
        ),
        CheckConstraint("subtotal_minor + tax_minor = total_minor", name="totals_add_up"),
        CheckConstraint("tax_rate_bp BETWEEN 0 AND 10000", name="tax_rate_bp"),
        CheckConstraint(
            "(kind = 'invoice' AND refund_id IS NULL AND credited_invoice_id IS NULL)"
            " OR (kind = 'credit_note' AND refund_id IS NOT NULL"
            " AND credited_invoice_id IS NOT NULL)",
            name="credit_note_references",
        ),
        Index(
            "uq_invoices_one_invoice_per_order",
            "order_id",
            unique=True,
            postgresql_where=text("kind = 'invoice'"),
        ),
        Index(None, "organization_id", "issued_at", "id"),
        Index(None, "organization_id", "member_id", "issued_at"),
        Index(None, "credited_invoice_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(12))
    number: Mapped[int]
    display_number: Mapped[str] = mapped_column(String(20))
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id"))
    refund_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("order_refunds.id"))
    credited_invoice_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("invoices.id"))
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"))
    issued_at: Mapped[datetime]
    currency: Mapped[str] = mapped_column(String(3))
    seller: Mapped[dict[str, Any]] = mapped_column(JSONB)
    """The studio's name, legal name, address, tax id, contact and footer when issued."""
    buyer: Mapped[dict[str, Any]] = mapped_column(JSONB)
    """The member's id, name and email when issued."""
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    """Each with description, quantity, unit_minor and total_minor (tax included)."""
    subtotal_minor: Mapped[int]
    tax_rate_bp: Mapped[int]
    tax_minor: Mapped[int]
    total_minor: Mapped[int]
