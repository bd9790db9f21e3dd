"""invoices: gapless invoice and credit-note numbers per studio, studio legal details

Revision ID: 429b3af8db18
Revises: aafffda545f1
Create Date: 2026-11-22 00:40:37.692661+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "429b3af8db18"
down_revision: str | None = "aafffda545f1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("organizations", sa.Column("legal_name", sa.String(length=200), nullable=True))
    op.add_column("organizations", sa.Column("tax_id", sa.String(length=50), nullable=True))
    op.add_column(
        "organizations",
        sa.Column("tax_rate_bp", sa.Integer(), server_default="0", nullable=False),
    )
    op.add_column(
        "organizations", sa.Column("invoice_footer", sa.String(length=500), nullable=True)
    )
    op.create_check_constraint(
        op.f("ck_organizations_tax_rate_bp"), "organizations", "tax_rate_bp BETWEEN 0 AND 10000"
    )
    op.create_table(
        "invoice_counters",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('invoice', 'credit_note')", name=op.f("ck_invoice_counters_kind")
        ),
        sa.CheckConstraint(
            "last_number >= 1", name=op.f("ck_invoice_counters_last_number_positive")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_invoice_counters_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organization_id", "kind", name=op.f("pk_invoice_counters")),
    )
    op.create_table(
        "invoices",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("display_number", sa.String(length=20), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("refund_id", sa.Uuid(), nullable=True),
        sa.Column("credited_invoice_id", sa.Uuid(), nullable=True),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("seller", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("buyer", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("lines", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("subtotal_minor", sa.Integer(), nullable=False),
        sa.Column("tax_rate_bp", sa.Integer(), nullable=False),
        sa.Column("tax_minor", sa.Integer(), nullable=False),
        sa.Column("total_minor", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(kind = 'invoice' AND refund_id IS NULL AND credited_invoice_id IS NULL) OR (kind = 'credit_note' AND refund_id IS NOT NULL AND credited_invoice_id IS NOT NULL)",
            name=op.f("ck_invoices_credit_note_references"),
        ),
        sa.CheckConstraint("kind IN ('invoice', 'credit_note')", name=op.f("ck_invoices_kind")),
        sa.CheckConstraint("number >= 1", name=op.f("ck_invoices_number_positive")),
        sa.CheckConstraint(
            "subtotal_minor + tax_minor = total_minor", name=op.f("ck_invoices_totals_add_up")
        ),
        sa.CheckConstraint(
            "subtotal_minor >= 0 AND tax_minor >= 0 AND total_minor >= 0",
            name=op.f("ck_invoices_amounts_not_negative"),
        ),
        sa.CheckConstraint("tax_rate_bp BETWEEN 0 AND 10000", name=op.f("ck_invoices_tax_rate_bp")),
        sa.ForeignKeyConstraint(
            ["credited_invoice_id"],
            ["invoices.id"],
            name=op.f("fk_invoices_credited_invoice_id_invoices"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_invoices_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_invoices_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_invoices_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["refund_id"], ["order_refunds.id"], name=op.f("fk_invoices_refund_id_order_refunds")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
        sa.UniqueConstraint(
            "organization_id",
            "kind",
            "number",
            name=op.f("uq_invoices_organization_id_kind_number"),
        ),
        sa.UniqueConstraint("refund_id", name=op.f("uq_invoices_refund_id")),
    )
    op.create_index(
        op.f("ix_invoices_credited_invoice_id"), "invoices", ["credited_invoice_id"], unique=False
    )
    op.create_index(
        op.f("ix_invoices_organization_id_issued_at_id"),
        "invoices",
        ["organization_id", "issued_at", "id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_invoices_organization_id_member_id_issued_at"),
        "invoices",
        ["organization_id", "member_id", "issued_at"],
        unique=False,
    )
    op.create_index(
        "uq_invoices_one_invoice_per_order",
        "invoices",
        ["order_id"],
        unique=True,
        postgresql_where=sa.text("kind = 'invoice'"),
    )


def downgrade() -> None:
    op.drop_index(
        "uq_invoices_one_invoice_per_order",
        table_name="invoices",
        postgresql_where=sa.text("kind = 'invoice'"),
    )
    op.drop_index(op.f("ix_invoices_organization_id_member_id_issued_at"), table_name="invoices")
    op.drop_index(op.f("ix_invoices_organization_id_issued_at_id"), table_name="invoices")
    op.drop_index(op.f("ix_invoices_credited_invoice_id"), table_name="invoices")
    op.drop_table("invoices")
    op.drop_table("invoice_counters")
    op.drop_constraint(op.f("ck_organizations_tax_rate_bp"), "organizations", type_="check")
    op.drop_column("organizations", "invoice_footer")
    op.drop_column("organizations", "tax_rate_bp")
    op.drop_column("organizations", "tax_id")
    op.drop_column("organizations", "legal_name")
