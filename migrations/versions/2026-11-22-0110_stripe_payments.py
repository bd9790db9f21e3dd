"""stripe payments: online orders, provider refunds, kept webhook events, disputed members

Revision ID: 615aec2e8d56
Revises: 429b3af8db18
Create Date: 2026-11-22 00:41:35.228509+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "615aec2e8d56"
down_revision: str | None = "429b3af8db18"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ORDER_STATUSES_BEFORE = "status IN ('paid', 'partially_refunded', 'refunded', 'voided')"
ORDER_STATUSES_AFTER = (
    "status IN ('pending', 'paid', 'partially_refunded', 'refunded', 'voided', 'expired', 'failed')"
)
METHODS_BEFORE = "method IN ('cash', 'card_terminal')"
METHODS_AFTER = "method IN ('cash', 'card_terminal', 'online')"
NEW_ORDER_CHECKS = {
    "provider": "provider IN ('desk', 'stripe')",
    "flag": "flag IS NULL OR flag IN ('amount_mismatch', 'disputed', 'refund_failed')",
    "paid_at_when_paid": "(status IN ('pending', 'expired', 'failed')) = (paid_at IS NULL)",
}
NEW_REFUND_CHECKS = {
    "status": "status IN ('pending', 'succeeded', 'failed')",
    "origin": "origin IN ('staff', 'provider')",
}
INTRO_BEFORE = "intro_offer AND status <> 'voided'"
INTRO_AFTER = "intro_offer AND status NOT IN ('voided', 'expired', 'failed')"


def _replace_check(table: str, name: str, condition: str) -> None:
    op.drop_constraint(op.f(f"ck_{table}_{name}"), table, type_="check")
    op.create_check_constraint(op.f(f"ck_{table}_{name}"), table, condition)


def _intro_index(condition: str) -> None:
    op.drop_index("uq_orders_one_intro_offer_per_member", table_name="orders")
    op.create_index(
        "uq_orders_one_intro_offer_per_member",
        "orders",
        ["organization_id", "member_id"],
        unique=True,
        postgresql_where=sa.text(condition),
    )


def upgrade() -> None:
    op.create_table(
        "payment_events",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("provider", sa.String(length=10), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=True),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('applied', 'ignored', 'flagged', 'refunded')",
            name=op.f("ck_payment_events_outcome"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_events")),
    )
    op.create_index(
        op.f("ix_payment_events_organization_id_received_at"),
        "payment_events",
        ["organization_id", "received_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_payment_events_received_at"), "payment_events", ["received_at"], unique=False
    )
    op.add_column(
        "members", sa.Column("payment_disputed_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "order_refunds",
        sa.Column("status", sa.String(length=10), server_default="succeeded", nullable=False),
    )
    op.add_column(
        "order_refunds",
        sa.Column("origin", sa.String(length=10), server_default="staff", nullable=False),
    )
    op.add_column("order_refunds", sa.Column("provider_ref", sa.String(length=255), nullable=True))
    op.create_index("uq_order_refunds_provider_ref", "order_refunds", ["provider_ref"], unique=True)
    op.add_column(
        "orders", sa.Column("provider", sa.String(length=10), server_default="desk", nullable=False)
    )
    op.add_column("orders", sa.Column("booking_id", sa.Uuid(), nullable=True))
    op.create_foreign_key(
        op.f("fk_orders_booking_id_bookings"),
        "orders",
        "bookings",
        ["booking_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.add_column("orders", sa.Column("checkout_ref", sa.String(length=255), nullable=True))
    op.add_column("orders", sa.Column("checkout_url", sa.Text(), nullable=True))
    op.add_column(
        "orders", sa.Column("checkout_expires_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("orders", sa.Column("payment_ref", sa.String(length=255), nullable=True))
    op.add_column("orders", sa.Column("flag", sa.String(length=20), nullable=True))
    op.add_column(
        "orders", sa.Column("flag_detail", postgresql.JSONB(astext_type=sa.Text()), nullable=True)
    )
    op.add_column("orders", sa.Column("flagged_at", sa.DateTime(timezone=True), nullable=True))
    op.alter_column(
        "orders", "paid_at", existing_type=postgresql.TIMESTAMP(timezone=True), nullable=True
    )
    op.create_index("ix_orders_payment_ref", "orders", ["provider", "payment_ref"], unique=False)
    op.create_index("uq_orders_checkout_ref", "orders", ["provider", "checkout_ref"], unique=True)
    _replace_check("orders", "status", ORDER_STATUSES_AFTER)
    _replace_check("orders", "method", METHODS_AFTER)
    for name, condition in NEW_ORDER_CHECKS.items():
        op.create_check_constraint(op.f(f"ck_orders_{name}"), "orders", condition)
    for name, condition in NEW_REFUND_CHECKS.items():
        op.create_check_constraint(op.f(f"ck_order_refunds_{name}"), "order_refunds", condition)
    _intro_index(INTRO_AFTER)


def downgrade() -> None:
    op.execute("DELETE FROM orders WHERE provider <> 'desk'")
    _intro_index(INTRO_BEFORE)
    for name in NEW_REFUND_CHECKS:
        op.drop_constraint(op.f(f"ck_order_refunds_{name}"), "order_refunds", type_="check")
    for name in NEW_ORDER_CHECKS:
        op.drop_constraint(op.f(f"ck_orders_{name}"), "orders", type_="check")
    _replace_check("orders", "method", METHODS_BEFORE)
    _replace_check("orders", "status", ORDER_STATUSES_BEFORE)
    op.drop_index("uq_orders_checkout_ref", table_name="orders")
    op.drop_index("ix_orders_payment_ref", table_name="orders")
    op.alter_column(
        "orders", "paid_at", existing_type=postgresql.TIMESTAMP(timezone=True), nullable=False
    )
    op.drop_column("orders", "flagged_at")
    op.drop_column("orders", "flag_detail")
    op.drop_column("orders", "flag")
    op.drop_column("orders", "payment_ref")
    op.drop_column("orders", "checkout_expires_at")
    op.drop_column("orders", "checkout_url")
    op.drop_column("orders", "checkout_ref")
    op.drop_constraint(op.f("fk_orders_booking_id_bookings"), "orders", type_="foreignkey")
    op.drop_column("orders", "booking_id")
    op.drop_column("orders", "provider")
    op.drop_index("uq_order_refunds_provider_ref", table_name="order_refunds")
    op.drop_column("order_refunds", "provider_ref")
    op.drop_column("order_refunds", "origin")
    op.drop_column("order_refunds", "status")
    op.drop_column("members", "payment_disputed_at")
    op.drop_index(op.f("ix_payment_events_received_at"), table_name="payment_events")
    op.drop_index(
        op.f("ix_payment_events_organization_id_received_at"), table_name="payment_events"
    )
    op.drop_table("payment_events")
