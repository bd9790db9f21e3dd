"""memberships, freezes, desk orders, entitlement charges; drop-in passes get a validity

Revision ID: 07a2185d2fb3
Revises: 4f0ca2b661b1
Create Date: 2026-11-21 19:13:59.956291+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

PLAN_SHAPE_BEFORE = (
    "(kind = 'class_pack' AND credit_units > 0 AND validity_days > 0"
    " AND validity_starts IS NOT NULL AND billing_period IS NULL AND weekly_class_cap IS NULL)"
    " OR (kind = 'unlimited' AND credit_units IS NULL AND validity_starts IS NULL"
    " AND (billing_period IS NOT NULL) <> (validity_days IS NOT NULL))"
    " OR (kind = 'drop_in' AND credit_units IS NULL AND validity_days IS NULL"
    " AND validity_starts IS NULL AND billing_period IS NULL AND weekly_class_cap IS NULL)"
)
PLAN_SHAPE_AFTER = PLAN_SHAPE_BEFORE.replace(
    "kind = 'drop_in' AND credit_units IS NULL AND validity_days IS NULL",
    "kind = 'drop_in' AND credit_units IS NULL AND validity_days > 0",
)

revision: str = "07a2185d2fb3"
down_revision: str | None = "4f0ca2b661b1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "memberships",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancel_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("weekly_class_cap", sa.Integer(), nullable=True),
        sa.Column("class_allowance", sa.Integer(), nullable=True),
        sa.Column("classes_used", sa.Integer(), nullable=False),
        sa.Column("class_type_ids", postgresql.ARRAY(sa.UUID()), nullable=True),
        sa.Column("source_type", sa.String(length=40), nullable=False),
        sa.Column("source_id", sa.String(length=80), nullable=False),
        sa.Column("expiry_warned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('unlimited', 'drop_in')", name=op.f("ck_memberships_kind")),
        sa.CheckConstraint(
            "status IN ('active', 'frozen', 'cancelled', 'expired')",
            name=op.f("ck_memberships_status"),
        ),
        sa.CheckConstraint(
            "class_allowance IS NULL OR class_allowance > 0", name=op.f("ck_memberships_allowance")
        ),
        sa.CheckConstraint(
            "classes_used >= 0 AND (class_allowance IS NULL OR classes_used <= class_allowance)",
            name=op.f("ck_memberships_classes_used_within_allowance"),
        ),
        sa.CheckConstraint(
            "valid_from < valid_until", name=op.f("ck_memberships_window_not_empty")
        ),
        sa.CheckConstraint(
            "weekly_class_cap IS NULL OR weekly_class_cap > 0",
            name=op.f("ck_memberships_weekly_cap"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_memberships_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_memberships_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plans.id"],
            name=op.f("fk_memberships_plan_id_plans"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_memberships")),
        sa.UniqueConstraint(
            "organization_id",
            "source_type",
            "source_id",
            name=op.f("uq_memberships_organization_id_source_type_source_id"),
        ),
    )
    op.create_index(
        op.f("ix_memberships_organization_id_member_id_valid_until"),
        "memberships",
        ["organization_id", "member_id", "valid_until"],
        unique=False,
    )
    op.create_index(
        op.f("ix_memberships_organization_id_status_valid_until"),
        "memberships",
        ["organization_id", "status", "valid_until"],
        unique=False,
    )
    op.create_table(
        "orders",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("plan_kind", sa.String(length=12), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("amount_minor", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("intro_offer", sa.Boolean(), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("refunded_minor", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("granted_membership_id", sa.Uuid(), nullable=True),
        sa.Column("granted_lot_id", sa.Uuid(), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("method IN ('cash', 'card_terminal')", name=op.f("ck_orders_method")),
        sa.CheckConstraint(
            "status IN ('paid', 'partially_refunded', 'refunded', 'voided')",
            name=op.f("ck_orders_status"),
        ),
        sa.CheckConstraint("amount_minor >= 0", name=op.f("ck_orders_amount_not_negative")),
        sa.CheckConstraint(
            "refunded_minor >= 0 AND refunded_minor <= amount_minor",
            name=op.f("ck_orders_refund_in_range"),
        ),
        sa.ForeignKeyConstraint(
            ["granted_membership_id"],
            ["memberships.id"],
            name=op.f("fk_orders_granted_membership_id_memberships"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["granted_lot_id"],
            ["credit_lots.id"],
            name=op.f("fk_orders_granted_lot_id_credit_lots"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["users.id"],
            name=op.f("fk_orders_created_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_orders_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_orders_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_orders_plan_id_plans"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
    )
    op.create_index(
        op.f("ix_orders_organization_id_created_at_id"),
        "orders",
        ["organization_id", "created_at", "id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_orders_organization_id_member_id_created_at"),
        "orders",
        ["organization_id", "member_id", "created_at"],
        unique=False,
    )
    op.create_index(
        "uq_orders_one_intro_offer_per_member",
        "orders",
        ["organization_id", "member_id"],
        unique=True,
        postgresql_where=sa.text("intro_offer AND status <> 'voided'"),
    )
    op.create_table(
        "entitlement_charges",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("source_type", sa.String(length=40), nullable=False),
        sa.Column("source_id", sa.String(length=80), nullable=False),
        sa.Column("method", sa.String(length=12), nullable=False),
        sa.Column("membership_id", sa.Uuid(), nullable=True),
        sa.Column("credit_units", sa.Integer(), nullable=True),
        sa.Column("class_type_id", sa.Uuid(), nullable=True),
        sa.Column("session_starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("refunded_percent", sa.Integer(), nullable=True),
        sa.Column("refunded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(method = 'membership' AND membership_id IS NOT NULL AND credit_units IS NULL) OR (method = 'credits' AND membership_id IS NULL AND credit_units >= 0)",
            name=op.f("ck_entitlement_charges_fields_match_method"),
        ),
        sa.CheckConstraint(
            "method IN ('membership', 'credits')", name=op.f("ck_entitlement_charges_method")
        ),
        sa.CheckConstraint(
            "refunded_percent IS NULL OR refunded_percent BETWEEN 0 AND 100",
            name=op.f("ck_entitlement_charges_refunded_percent"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_entitlement_charges_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["memberships.id"],
            name=op.f("fk_entitlement_charges_membership_id_memberships"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_entitlement_charges_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entitlement_charges")),
        sa.UniqueConstraint(
            "organization_id",
            "source_type",
            "source_id",
            name=op.f("uq_entitlement_charges_organization_id_source_type_source_id"),
        ),
    )
    op.create_index(
        op.f("ix_entitlement_charges_membership_id_session_starts_at"),
        "entitlement_charges",
        ["membership_id", "session_starts_at"],
        unique=False,
        postgresql_where=sa.text("membership_id IS NOT NULL AND released_at IS NULL"),
    )
    op.create_table(
        "membership_freezes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("membership_id", sa.Uuid(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("actor_user_id", sa.Uuid(), nullable=True),
        sa.Column("ended_early_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "ends_on >= starts_on", name=op.f("ck_membership_freezes_ends_after_start")
        ),
        sa.ForeignKeyConstraint(
            ["actor_user_id"],
            ["users.id"],
            name=op.f("fk_membership_freezes_actor_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["memberships.id"],
            name=op.f("fk_membership_freezes_membership_id_memberships"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_membership_freezes_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership_freezes")),
    )
    op.create_index(
        op.f("ix_membership_freezes_membership_id_starts_on"),
        "membership_freezes",
        ["membership_id", "starts_on"],
        unique=False,
    )
    op.create_table(
        "order_refunds",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=6), nullable=False),
        sa.Column("amount_minor", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("revoked_units", sa.Integer(), nullable=False),
        sa.Column("membership_ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("actor_user_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('refund', 'void')", name=op.f("ck_order_refunds_kind")),
        sa.CheckConstraint("amount_minor >= 0", name=op.f("ck_order_refunds_amount_not_negative")),
        sa.CheckConstraint(
            "revoked_units >= 0", name=op.f("ck_order_refunds_revoked_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["actor_user_id"],
            ["users.id"],
            name=op.f("fk_order_refunds_actor_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_order_refunds_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_order_refunds_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_refunds")),
    )
    op.create_index(
        op.f("ix_order_refunds_order_id_created_at"),
        "order_refunds",
        ["order_id", "created_at"],
        unique=False,
    )
    op.add_column(
        "credit_lots", sa.Column("class_type_ids", postgresql.ARRAY(sa.UUID()), nullable=True)
    )
    # A drop-in now sells a one-class pass, valid for some days (30 for existing plans).
    op.drop_constraint(op.f("ck_plans_fields_match_kind"), "plans", type_="check")
    op.execute("UPDATE plans SET validity_days = 30 WHERE kind = 'drop_in'")
    op.create_check_constraint(op.f("ck_plans_fields_match_kind"), "plans", PLAN_SHAPE_AFTER)


def downgrade() -> None:
    op.drop_constraint(op.f("ck_plans_fields_match_kind"), "plans", type_="check")
    op.execute("UPDATE plans SET validity_days = NULL WHERE kind = 'drop_in'")
    op.create_check_constraint(op.f("ck_plans_fields_match_kind"), "plans", PLAN_SHAPE_BEFORE)
    op.drop_column("credit_lots", "class_type_ids")
    op.drop_index(op.f("ix_order_refunds_order_id_created_at"), table_name="order_refunds")
    op.drop_table("order_refunds")
    op.drop_index(
        op.f("ix_membership_freezes_membership_id_starts_on"), table_name="membership_freezes"
    )
    op.drop_table("membership_freezes")
    op.drop_index(
        op.f("ix_entitlement_charges_membership_id_session_starts_at"),
        table_name="entitlement_charges",
        postgresql_where=sa.text("membership_id IS NOT NULL AND released_at IS NULL"),
    )
    op.drop_table("entitlement_charges")
    op.drop_index(
        "uq_orders_one_intro_offer_per_member",
        table_name="orders",
        postgresql_where=sa.text("intro_offer AND status <> 'voided'"),
    )
    op.drop_index(op.f("ix_orders_organization_id_member_id_created_at"), table_name="orders")
    op.drop_index(op.f("ix_orders_organization_id_created_at_id"), table_name="orders")
    op.drop_table("orders")
    op.drop_index(
        op.f("ix_memberships_organization_id_status_valid_until"), table_name="memberships"
    )
    op.drop_index(
        op.f("ix_memberships_organization_id_member_id_valid_until"), table_name="memberships"
    )
    op.drop_table("memberships")
