"""payment event account: the studio whose own Stripe account sent an event

Revision ID: 814e1f6809f5
Revises: ccbbd8c6d58f
Create Date: 2026-11-22 04:42:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "814e1f6809f5"
down_revision: str | None = "ccbbd8c6d58f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("payment_events", sa.Column("account_id", sa.Uuid(), nullable=True))


def downgrade() -> None:
    op.drop_column("payment_events", "account_id")
