"""plan catalog

Revision ID: 4f0ca2b661b1
Revises: f45ceb974afd
Create Date: 2026-11-21 17:20:21.314244+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "4f0ca2b661b1"
down_revision: str | None = "f45ceb974afd"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "plans",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("price_minor", sa.Integer(), nullable=False),
        sa.Column("non_member_price_minor", sa.Integer(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("credit_units", sa.Integer(), nullable=True),
        sa.Column("validity_days", sa.Integer(), nullable=True),
        sa.Column("validity_starts", sa.String(length=10), nullable=True),
        sa.Column("billing_period", sa.String(length=5), nullable=True),
        sa.Column("weekly_class_cap", sa.Integer(), nullable=True),
        sa.Column("intro_offer", sa.Boolean(), nullable=False),
        sa.Column("class_type_ids", postgresql.ARRAY(sa.UUID()), nullable=True),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(kind = 'class_pack' AND credit_units > 0 AND validity_days > 0 AND validity_starts IS NOT NULL AND billing_period IS NULL AND weekly_class_cap IS NULL) OR (kind = 'unlimited' AND credit_units IS NULL AND validity_starts IS NULL AND (billing_period IS NOT NULL) <> (validity_days IS NOT NULL)) OR (kind = 'drop_in' AND credit_units IS NULL AND validity_days IS NULL AND validity_starts IS NULL AND billing_period IS NULL AND weekly_class_cap IS NULL)",
            name=op.f("ck_plans_fields_match_kind"),
        ),
        sa.CheckConstraint(
            "billing_period IN ('month', 'year')", name=op.f("ck_plans_billing_period")
        ),
        sa.CheckConstraint(
            "kind IN ('unlimited', 'class_pack', 'drop_in')", name=op.f("ck_plans_kind")
        ),
        sa.CheckConstraint(
            "validity_starts IN ('purchase', 'first_use')", name=op.f("ck_plans_validity_starts")
        ),
        sa.CheckConstraint(
            "non_member_price_minor IS NULL OR non_member_price_minor >= 0",
            name=op.f("ck_plans_non_member_price_not_negative"),
        ),
        sa.CheckConstraint("price_minor >= 0", name=op.f("ck_plans_price_not_negative")),
        sa.CheckConstraint("weekly_class_cap > 0", name=op.f("ck_plans_weekly_class_cap_positive")),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_plans_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans")),
    )
    op.create_index(
        op.f("ix_plans_organization_id_created_at_id"),
        "plans",
        ["organization_id", "created_at", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_plans_organization_id_created_at_id"), table_name="plans")
    op.drop_table("plans")
