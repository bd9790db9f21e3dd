"""subscriptions: recurring payments at a provider, the orders and memberships they pay

Revision ID: c44f3387cf64
Revises: 615aec2e8d56
Create Date: 2026-11-22 04:11:50.123951+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c44f3387cf64"
down_revision: str | None = "615aec2e8d56"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("provider", sa.String(length=10), nullable=False),
        sa.Column("provider_ref", sa.String(length=255), nullable=False),
        sa.Column("customer_ref", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("cancel_at_period_end", sa.Boolean(), nullable=False),
        sa.Column("grace_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("provider_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("suspended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('active', 'past_due', 'suspended', 'cancelled')",
            name=op.f("ck_subscriptions_status"),
        ),
        sa.CheckConstraint(
            "(grace_until IS NULL) = (paid_until IS NULL)",
            name=op.f("ck_subscriptions_grace_has_paid_end"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_subscriptions_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_subscriptions_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plans.id"],
            name=op.f("fk_subscriptions_plan_id_plans"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
    )
    op.create_index(
        op.f("ix_subscriptions_organization_id_member_id"),
        "subscriptions",
        ["organization_id", "member_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_subscriptions_status_grace_until"),
        "subscriptions",
        ["status", "grace_until"],
        unique=False,
    )
    op.create_index(
        "uq_subscriptions_provider_ref", "subscriptions", ["provider", "provider_ref"], unique=True
    )
    op.add_column("memberships", sa.Column("subscription_id", sa.Uuid(), nullable=True))
    op.create_index(
        op.f("ix_memberships_subscription_id"), "memberships", ["subscription_id"], unique=False
    )
    op.create_foreign_key(
        op.f("fk_memberships_subscription_id_subscriptions"),
        "memberships",
        "subscriptions",
        ["subscription_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.add_column("orders", sa.Column("subscription_id", sa.Uuid(), nullable=True))
    op.add_column("orders", sa.Column("invoice_ref", sa.String(length=255), nullable=True))
    op.create_index("uq_orders_invoice_ref", "orders", ["provider", "invoice_ref"], unique=True)
    op.create_foreign_key(
        op.f("fk_orders_subscription_id_subscriptions"),
        "orders",
        "subscriptions",
        ["subscription_id"],
        ["id"],
        ondelete="RESTRICT",
    )


def downgrade() -> None:
    op.drop_constraint(
        op.f("fk_orders_subscription_id_subscriptions"), "orders", type_="foreignkey"
    )
    op.drop_index("uq_orders_invoice_ref", table_name="orders")
    op.drop_column("orders", "invoice_ref")
    op.drop_column("orders", "subscription_id")
    op.drop_constraint(
        op.f("fk_memberships_subscription_id_subscriptions"), "memberships", type_="foreignkey"
    )
    op.drop_index(op.f("ix_memberships_subscription_id"), table_name="memberships")
    op.drop_column("memberships", "subscription_id")
    op.drop_index("uq_subscriptions_provider_ref", table_name="subscriptions")
    op.drop_index(op.f("ix_subscriptions_status_grace_until"), table_name="subscriptions")
    op.drop_index(op.f("ix_subscriptions_organization_id_member_id"), table_name="subscriptions")
    op.drop_table("subscriptions")
