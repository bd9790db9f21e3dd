"""plan and lot guards: plan shapes refuse NULL counts; lots remember credits still owed to
a refund; ledger entries keep what they refer to (no cascades)

Revision ID: 411b20b79343
Revises: ab0a6d8ab2e9
Create Date: 2026-11-21 20:16:02.721926+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

SHAPE_BEFORE = (
    "(kind = 'class_pack' AND credit_units > 0 AND validity_days > 0"
    " AND validity_starts IS NOT NULL AND billing_period IS NULL AND weekly_class_cap IS NULL)"
    " OR (kind = 'unlimited' AND credit_units IS NULL AND validity_starts IS NULL"
    " AND (billing_period IS NOT NULL) <> (validity_days IS NOT NULL))"
    " OR (kind = 'drop_in' AND credit_units IS NULL AND validity_days > 0"
    " AND validity_starts IS NULL AND billing_period IS NULL AND weekly_class_cap IS NULL)"
)
# A comparison with NULL is NULL, which a CHECK lets through: say IS NOT NULL where a
# count is required. A drop-in may still carry no validity (the release before passes
# writes none); it is read as the default.
SHAPE_AFTER = (
    "(kind = 'class_pack' AND credit_units IS NOT NULL AND credit_units > 0"
    " AND validity_days IS NOT NULL AND validity_days > 0"
    " AND validity_starts IS NOT NULL AND billing_period IS NULL AND weekly_class_cap IS NULL)"
    " OR (kind = 'unlimited' AND credit_units IS NULL AND validity_starts IS NULL"
    " AND (billing_period IS NOT NULL) <> (validity_days IS NOT NULL)"
    " AND (validity_days IS NULL OR validity_days > 0))"
    " OR (kind = 'drop_in' AND credit_units IS NULL"
    " AND (validity_days IS NULL OR validity_days > 0)"
    " AND validity_starts IS NULL AND billing_period IS NULL AND weekly_class_cap IS NULL)"
)

revision: str = "411b20b79343"
down_revision: str | None = "ab0a6d8ab2e9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "credit_lots", sa.Column("owed_units", sa.Integer(), server_default="0", nullable=False)
    )
    op.create_check_constraint(
        op.f("ck_credit_lots_owed_not_negative"), "credit_lots", "owed_units >= 0"
    )
    _replace_plan_shape(SHAPE_AFTER)
    _ledger_foreign_keys(cascading=False)


def downgrade() -> None:
    op.execute(
        "UPDATE plans SET validity_days = 30 WHERE kind = 'drop_in' AND validity_days IS NULL"
    )
    _replace_plan_shape(SHAPE_BEFORE)
    _ledger_foreign_keys(cascading=True)
    op.drop_column("credit_lots", "owed_units")


def _replace_plan_shape(shape: str) -> None:
    op.drop_constraint(op.f("ck_plans_fields_match_kind"), "plans", type_="check")
    op.create_check_constraint(op.f("ck_plans_fields_match_kind"), "plans", shape)


# (column, referred table, what the release before did on delete)
LEDGER_REFERENCES = [
    ("organization_id", "organizations", "CASCADE"),
    ("member_id", "members", "CASCADE"),
    ("lot_id", "credit_lots", "CASCADE"),
    ("actor_user_id", "users", "SET NULL"),
]


def _ledger_foreign_keys(*, cascading: bool) -> None:
    """The append-only trigger refuses the UPDATE or DELETE a cascade would make, so the
    ledger's references refuse the delete themselves, with a clear foreign-key error."""
    for column, table, on_delete in LEDGER_REFERENCES:
        name = op.f(f"fk_credit_entries_{column}_{table}")
        op.drop_constraint(name, "credit_entries", type_="foreignkey")
        op.create_foreign_key(
            name,
            "credit_entries",
            table,
            [column],
            ["id"],
            ondelete=on_delete if cascading else None,
        )
