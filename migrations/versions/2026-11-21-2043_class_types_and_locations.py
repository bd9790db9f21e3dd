"""class types and locations

Revision ID: 9593225b6c1e
Revises: 411b20b79343
Create Date: 2026-11-21 20:43:04.023927+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9593225b6c1e"
down_revision: str | None = "411b20b79343"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "class_types",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("default_capacity", sa.Integer(), nullable=False),
        sa.Column("credit_units", sa.Integer(), nullable=False),
        sa.Column("colour", sa.String(length=7), nullable=True),
        sa.Column("appointment", sa.Boolean(), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "NOT appointment OR default_capacity = 1",
            name=op.f("ck_class_types_appointment_for_one"),
        ),
        sa.CheckConstraint(
            "credit_units >= 0", name=op.f("ck_class_types_credit_units_not_negative")
        ),
        sa.CheckConstraint(
            "default_capacity BETWEEN 1 AND 1000", name=op.f("ck_class_types_capacity")
        ),
        sa.CheckConstraint(
            "duration_minutes BETWEEN 5 AND 720", name=op.f("ck_class_types_duration")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_class_types_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_class_types")),
    )
    op.create_index(
        op.f("ix_class_types_organization_id_created_at_id"),
        "class_types",
        ["organization_id", "created_at", "id"],
        unique=False,
    )
    op.create_table(
        "locations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("capacity IS NULL OR capacity > 0", name=op.f("ck_locations_capacity")),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_locations_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_locations")),
    )
    op.create_index(
        op.f("ix_locations_organization_id_created_at_id"),
        "locations",
        ["organization_id", "created_at", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_locations_organization_id_created_at_id"), table_name="locations")
    op.drop_table("locations")
    op.drop_index(op.f("ix_class_types_organization_id_created_at_id"), table_name="class_types")
    op.drop_table("class_types")
