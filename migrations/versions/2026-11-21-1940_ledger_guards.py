"""ledger guards: credit entries are append-only in PostgreSQL; expiring lots indexed

Revision ID: ab0a6d8ab2e9
Revises: 07a2185d2fb3
Create Date: 2026-11-21 19:40:47.031753+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "ab0a6d8ab2e9"
down_revision: str | None = "07a2185d2fb3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A correction to the ledger is a new entry; any code path, or a hand-written UPDATE or
# DELETE, that tries to change one is refused by the database itself.
APPEND_ONLY_FUNCTION = """
CREATE FUNCTION fitflow_refuse_ledger_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'credit_entries are append-only: write a reversing entry instead'
        USING ERRCODE = 'restrict_violation';
END
$$
"""


def upgrade() -> None:
    op.create_index(
        "ix_credit_lots_expiring_with_credit",
        "credit_lots",
        ["expires_at"],
        unique=False,
        postgresql_where=sa.text("remaining_units > 0 AND expires_at IS NOT NULL"),
    )
    op.execute(APPEND_ONLY_FUNCTION)
    op.execute(
        "CREATE TRIGGER credit_entries_append_only BEFORE UPDATE OR DELETE ON credit_entries"
        " FOR EACH ROW EXECUTE FUNCTION fitflow_refuse_ledger_change()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER credit_entries_append_only ON credit_entries")
    op.execute("DROP FUNCTION fitflow_refuse_ledger_change()")
    op.drop_index(
        "ix_credit_lots_expiring_with_credit",
        table_name="credit_lots",
        postgresql_where=sa.text("remaining_units > 0 AND expires_at IS NOT NULL"),
    )
