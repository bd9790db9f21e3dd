"""trainer availability: weekly windows for 1:1 appointments, and time away

Revision ID: aafffda545f1
Revises: 1956ba344e35
Create Date: 2026-11-21 21:59:08.153005+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "aafffda545f1"
down_revision: str | None = "1956ba344e35"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "availability_exceptions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("trainer_id", sa.Uuid(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "ends_at > starts_at", name=op.f("ck_availability_exceptions_ends_after_start")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_availability_exceptions_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["trainer_id"],
            ["staff.id"],
            name=op.f("fk_availability_exceptions_trainer_id_staff"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_availability_exceptions")),
    )
    op.create_index(
        op.f("ix_availability_exceptions_trainer_id_starts_at"),
        "availability_exceptions",
        ["trainer_id", "starts_at"],
        unique=False,
    )
    op.create_table(
        "trainer_availability",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("trainer_id", sa.Uuid(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("starts", sa.Time(), nullable=False),
        sa.Column("ends", sa.Time(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("ends > starts", name=op.f("ck_trainer_availability_ends_after_start")),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name=op.f("ck_trainer_availability_weekday")),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_trainer_availability_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["trainer_id"],
            ["staff.id"],
            name=op.f("fk_trainer_availability_trainer_id_staff"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trainer_availability")),
    )
    op.create_index(
        op.f("ix_trainer_availability_trainer_id_weekday"),
        "trainer_availability",
        ["trainer_id", "weekday"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_trainer_availability_trainer_id_weekday"), table_name="trainer_availability"
    )
    op.drop_table("trainer_availability")
    op.drop_index(
        op.f("ix_availability_exceptions_trainer_id_starts_at"),
        table_name="availability_exceptions",
    )
    op.drop_table("availability_exceptions")
