"""membership cancel request: when a member cancelled, told apart from a refund's cut

Revision ID: 4039c60285da
Revises: 814e1f6809f5
Create Date: 2026-11-22 05:06:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "4039c60285da"
down_revision: str | None = "814e1f6809f5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "memberships",
        sa.Column("cancel_requested_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("memberships", "cancel_requested_at")
