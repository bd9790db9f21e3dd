"""recurring class schedules; sessions know their schedule and day

Revision ID: 33f0f3c76e57
Revises: 1eefb2947aed
Create Date: 2026-11-21 21:52:39.651712+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "33f0f3c76e57"
down_revision: str | None = "1eefb2947aed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "class_schedules",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("class_type_id", sa.Uuid(), nullable=False),
        sa.Column("location_id", sa.Uuid(), nullable=True),
        sa.Column("trainer_id", sa.Uuid(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("rrule", sa.String(length=500), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("materialised_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "capacity IS NULL OR capacity BETWEEN 1 AND 1000",
            name=op.f("ck_class_schedules_capacity"),
        ),
        sa.ForeignKeyConstraint(
            ["class_type_id"],
            ["class_types.id"],
            name=op.f("fk_class_schedules_class_type_id_class_types"),
        ),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"], name=op.f("fk_class_schedules_location_id_locations")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_class_schedules_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["trainer_id"],
            ["staff.id"],
            name=op.f("fk_class_schedules_trainer_id_staff"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_class_schedules")),
    )
    op.create_index(
        op.f("ix_class_schedules_organization_id_created_at_id"),
        "class_schedules",
        ["organization_id", "created_at", "id"],
        unique=False,
    )
    op.add_column("class_sessions", sa.Column("schedule_id", sa.Uuid(), nullable=True))
    op.add_column("class_sessions", sa.Column("occurrence_on", sa.Date(), nullable=True))
    op.add_column(
        "class_sessions",
        sa.Column("detached", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )
    op.create_index(
        "uq_class_sessions_one_per_schedule_day",
        "class_sessions",
        ["schedule_id", "occurrence_on"],
        unique=True,
        postgresql_where=sa.text("schedule_id IS NOT NULL"),
    )
    op.create_foreign_key(
        op.f("fk_class_sessions_schedule_id_class_schedules"),
        "class_sessions",
        "class_schedules",
        ["schedule_id"],
        ["id"],
    )


def downgrade() -> None:
    op.drop_constraint(
        op.f("fk_class_sessions_schedule_id_class_schedules"), "class_sessions", type_="foreignkey"
    )
    op.drop_index(
        "uq_class_sessions_one_per_schedule_day",
        table_name="class_sessions",
        postgresql_where=sa.text("schedule_id IS NOT NULL"),
    )
    op.drop_column("class_sessions", "detached")
    op.drop_column("class_sessions", "occurrence_on")
    op.drop_column("class_sessions", "schedule_id")
    op.drop_index(
        op.f("ix_class_schedules_organization_id_created_at_id"), table_name="class_schedules"
    )
    op.drop_table("class_schedules")
