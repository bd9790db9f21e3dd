"""subscription price: what each period costs, kept on the subscription

Revision ID: ccbbd8c6d58f
Revises: c44f3387cf64
Create Date: 2026-11-22 04:30:54.416616+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "ccbbd8c6d58f"
down_revision: str | None = "c44f3387cf64"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A subscription's price is its first order's until a plan change moves it.
BACKFILL = """
UPDATE subscriptions AS s
SET amount_minor = o.amount_minor, currency = o.currency
FROM orders AS o
WHERE o.subscription_id = s.id AND o.invoice_ref IS NULL
"""


def upgrade() -> None:
    op.add_column("subscriptions", sa.Column("amount_minor", sa.Integer(), nullable=True))
    op.add_column("subscriptions", sa.Column("currency", sa.String(length=3), nullable=True))
    op.execute(BACKFILL)
    op.alter_column("subscriptions", "amount_minor", nullable=False)
    op.alter_column("subscriptions", "currency", nullable=False)
    op.create_check_constraint(
        op.f("ck_subscriptions_amount_not_negative"), "subscriptions", "amount_minor >= 0"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_subscriptions_amount_not_negative"), "subscriptions", type_="check")
    op.drop_column("subscriptions", "currency")
    op.drop_column("subscriptions", "amount_minor")
