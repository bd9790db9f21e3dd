"""credit ledger: lots and entries

Revision ID: f45ceb974afd
Revises: 9f87311a0c82
Create Date: 2026-11-21 17:11:28.155291+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f45ceb974afd"
down_revision: str | None = "9f87311a0c82"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "credit_lots",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("granted_units", sa.Integer(), nullable=False),
        sa.Column("remaining_units", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("valid_days_after_first_use", sa.Integer(), nullable=True),
        sa.Column("source_type", sa.String(length=40), nullable=False),
        sa.Column("source_id", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("granted_units > 0", name=op.f("ck_credit_lots_granted_positive")),
        sa.CheckConstraint(
            "remaining_units >= 0 AND remaining_units <= granted_units",
            name=op.f("ck_credit_lots_remaining_in_range"),
        ),
        sa.CheckConstraint(
            "valid_days_after_first_use IS NULL OR valid_days_after_first_use > 0",
            name=op.f("ck_credit_lots_validity_positive"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_credit_lots_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_credit_lots_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_lots")),
        sa.UniqueConstraint(
            "organization_id",
            "source_type",
            "source_id",
            name=op.f("uq_credit_lots_organization_id_source_type_source_id"),
        ),
    )
    op.create_index(
        op.f("ix_credit_lots_organization_id_member_id_expires_at"),
        "credit_lots",
        ["organization_id", "member_id", "expires_at"],
        unique=False,
    )
    op.create_table(
        "credit_entries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("lot_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("actor_user_id", sa.Uuid(), nullable=True),
        sa.Column("source_type", sa.String(length=40), nullable=False),
        sa.Column("source_id", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(kind IN ('grant', 'refund') AND units > 0) OR (kind IN ('consume', 'forfeit', 'expire') AND units < 0) OR (kind = 'adjust' AND units <> 0)",
            name=op.f("ck_credit_entries_sign_follows_kind"),
        ),
        sa.CheckConstraint(
            "kind IN ('grant', 'consume', 'refund', 'forfeit', 'expire', 'adjust')",
            name=op.f("ck_credit_entries_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_user_id"],
            ["users.id"],
            name=op.f("fk_credit_entries_actor_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"],
            ["credit_lots.id"],
            name=op.f("fk_credit_entries_lot_id_credit_lots"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_credit_entries_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_credit_entries_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_entries")),
        sa.UniqueConstraint(
            "organization_id",
            "source_type",
            "source_id",
            "kind",
            "lot_id",
            name=op.f("uq_credit_entries_organization_id_source_type_source_id_kind_lot_id"),
        ),
    )
    op.create_index(op.f("ix_credit_entries_lot_id"), "credit_entries", ["lot_id"], unique=False)
    op.create_index(
        op.f("ix_credit_entries_organization_id_member_id_created_at_id"),
        "credit_entries",
        ["organization_id", "member_id", "created_at", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_credit_entries_organization_id_member_id_created_at_id"),
        table_name="credit_entries",
    )
    op.drop_index(op.f("ix_credit_entries_lot_id"), table_name="credit_entries")
    op.drop_table("credit_entries")
    op.drop_index(
        op.f("ix_credit_lots_organization_id_member_id_expires_at"), table_name="credit_lots"
    )
    op.drop_table("credit_lots")
