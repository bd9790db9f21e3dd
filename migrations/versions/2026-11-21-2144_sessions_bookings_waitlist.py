"""class sessions, bookings and waitlists, with the spot-counting trigger

Revision ID: 1eefb2947aed
Revises: 9593225b6c1e
Create Date: 2026-11-21 21:44:02.089071+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1eefb2947aed"
down_revision: str | None = "9593225b6c1e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNT_SPOTS = """
CREATE FUNCTION fitflow_bookings_count_spots() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    was_live boolean := false;
    is_live boolean := false;
    delta integer;
    target uuid;
    session_status text;
BEGIN
    IF TG_OP = 'DELETE' THEN
        target := OLD.session_id;
    ELSE
        target := NEW.session_id;
        is_live := NEW.status IN ('held', 'confirmed', 'attended', 'no_show');
    END IF;
    IF TG_OP <> 'INSERT' THEN
        was_live := OLD.status IN ('held', 'confirmed', 'attended', 'no_show');
        IF TG_OP = 'UPDATE' AND NEW.session_id <> OLD.session_id THEN
            RAISE EXCEPTION 'a booking cannot move to another class session'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
    END IF;
    delta := is_live::integer - was_live::integer;
    IF delta = 0 THEN
        -- A hold confirmed moves no count, but what a session shows changes.
        IF TG_OP = 'UPDATE' AND NEW.status <> OLD.status THEN
            PERFORM pg_notify(
                'fitflow_availability',
                NEW.organization_id::text || ' ' || NEW.session_id::text || ' '
                    || floor(extract(epoch FROM NEW.starts_at))::bigint::text
            );
        END IF;
        RETURN NULL;
    END IF;
    UPDATE class_sessions SET taken = taken + delta WHERE id = target
        RETURNING status INTO session_status;
    IF delta > 0 AND session_status IS DISTINCT FROM 'published' THEN
        RAISE EXCEPTION 'class session % is not open for booking', target
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_class_sessions_open_for_booking';
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER count_spots
    AFTER INSERT OR DELETE OR UPDATE OF status, session_id ON bookings
    FOR EACH ROW EXECUTE FUNCTION fitflow_bookings_count_spots();
"""


def upgrade() -> None:
    op.create_table(
        "class_sessions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("class_type_id", sa.Uuid(), nullable=False),
        sa.Column("location_id", sa.Uuid(), nullable=True),
        sa.Column("trainer_id", sa.Uuid(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("taken", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("credit_units", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('draft', 'published', 'cancelled')", name=op.f("ck_class_sessions_status")
        ),
        sa.CheckConstraint("capacity BETWEEN 1 AND 1000", name=op.f("ck_class_sessions_capacity")),
        sa.CheckConstraint(
            "credit_units >= 0", name=op.f("ck_class_sessions_credit_units_not_negative")
        ),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_class_sessions_ends_after_start")),
        sa.CheckConstraint(
            "taken >= 0 AND taken <= capacity", name=op.f("ck_class_sessions_taken_within_capacity")
        ),
        sa.ForeignKeyConstraint(
            ["class_type_id"],
            ["class_types.id"],
            name=op.f("fk_class_sessions_class_type_id_class_types"),
        ),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"], name=op.f("fk_class_sessions_location_id_locations")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_class_sessions_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["trainer_id"],
            ["staff.id"],
            name=op.f("fk_class_sessions_trainer_id_staff"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_class_sessions")),
    )
    op.create_index(
        op.f("ix_class_sessions_organization_id_starts_at_id"),
        "class_sessions",
        ["organization_id", "starts_at", "id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_class_sessions_trainer_id_starts_at"),
        "class_sessions",
        ["trainer_id", "starts_at"],
        unique=False,
    )
    op.create_table(
        "bookings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hold_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("offered", sa.Boolean(), nullable=False),
        sa.Column("booked_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refund_percent", sa.Integer(), nullable=True),
        sa.Column("cancel_tier_hours", sa.Integer(), nullable=True),
        sa.Column("waived_reason", sa.String(length=500), nullable=True),
        sa.Column("strike_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_in_late", sa.Boolean(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status <> 'held' OR hold_expires_at IS NOT NULL", name=op.f("ck_bookings_hold_expires")
        ),
        sa.CheckConstraint(
            "status IN ('held', 'confirmed', 'attended', 'no_show', 'released', 'expired', 'cancelled', 'late_cancelled')",
            name=op.f("ck_bookings_status"),
        ),
        sa.CheckConstraint(
            "refund_percent IS NULL OR refund_percent BETWEEN 0 AND 100",
            name=op.f("ck_bookings_refund_percent"),
        ),
        sa.ForeignKeyConstraint(
            ["booked_by_user_id"],
            ["users.id"],
            name=op.f("fk_bookings_booked_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_bookings_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_bookings_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["class_sessions.id"],
            name=op.f("fk_bookings_session_id_class_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookings")),
    )
    op.create_index(
        "ix_bookings_active_holds",
        "bookings",
        ["hold_expires_at"],
        unique=False,
        postgresql_where=sa.text("status = 'held'"),
    )
    op.create_index(
        op.f("ix_bookings_organization_id_member_id_starts_at_id"),
        "bookings",
        ["organization_id", "member_id", "starts_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_bookings_awaiting_check_in",
        "bookings",
        ["starts_at"],
        unique=False,
        postgresql_where=sa.text("status = 'confirmed' AND checked_in_at IS NULL"),
    )
    op.create_index(
        op.f("ix_bookings_session_id_status"), "bookings", ["session_id", "status"], unique=False
    )
    op.create_index(
        "ix_bookings_strikes",
        "bookings",
        ["organization_id", "member_id", "strike_at"],
        unique=False,
        postgresql_where=sa.text("strike_at IS NOT NULL"),
    )
    op.create_index(
        "uq_bookings_one_live_per_member",
        "bookings",
        ["session_id", "member_id"],
        unique=True,
        postgresql_where=sa.text("status IN ('held', 'confirmed', 'attended', 'no_show')"),
    )
    # The capacity guard: every spot taken or given back moves class_sessions.taken,
    # whose CHECK refuses more than the capacity.
    op.execute(COUNT_SPOTS)
    op.create_table(
        "waitlist_entries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("booking_id", sa.Uuid(), nullable=True),
        sa.Column("skipped_reason", sa.String(length=200), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('waiting', 'offered', 'promoted', 'left', 'expired')",
            name=op.f("ck_waitlist_entries_status"),
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name=op.f("fk_waitlist_entries_booking_id_bookings")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_waitlist_entries_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_waitlist_entries_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["class_sessions.id"],
            name=op.f("fk_waitlist_entries_session_id_class_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waitlist_entries")),
    )
    op.create_index(
        op.f("ix_waitlist_entries_organization_id_member_id_status"),
        "waitlist_entries",
        ["organization_id", "member_id", "status"],
        unique=False,
    )
    op.create_index(
        "ix_waitlist_entries_queue",
        "waitlist_entries",
        ["session_id", "seq"],
        unique=False,
        postgresql_where=sa.text("status IN ('waiting', 'offered')"),
    )
    op.create_index(
        "uq_waitlist_entries_one_open_per_member",
        "waitlist_entries",
        ["session_id", "member_id"],
        unique=True,
        postgresql_where=sa.text("status IN ('waiting', 'offered')"),
    )


def downgrade() -> None:
    op.drop_index(
        "uq_waitlist_entries_one_open_per_member",
        table_name="waitlist_entries",
        postgresql_where=sa.text("status IN ('waiting', 'offered')"),
    )
    op.drop_index(
        "ix_waitlist_entries_queue",
        table_name="waitlist_entries",
        postgresql_where=sa.text("status IN ('waiting', 'offered')"),
    )
    op.drop_index(
        op.f("ix_waitlist_entries_organization_id_member_id_status"), table_name="waitlist_entries"
    )
    op.drop_table("waitlist_entries")
    op.execute("DROP TRIGGER count_spots ON bookings")
    op.execute("DROP FUNCTION fitflow_bookings_count_spots()")
    op.drop_index(
        "uq_bookings_one_live_per_member",
        table_name="bookings",
        postgresql_where=sa.text("status IN ('held', 'confirmed', 'attended', 'no_show')"),
    )
    op.drop_index(
        "ix_bookings_strikes",
        table_name="bookings",
        postgresql_where=sa.text("strike_at IS NOT NULL"),
    )
    op.drop_index("ix_bookings_awaiting_check_in", table_name="bookings")
    op.drop_index(op.f("ix_bookings_session_id_status"), table_name="bookings")
    op.drop_index(op.f("ix_bookings_organization_id_member_id_starts_at_id"), table_name="bookings")
    op.drop_index(
        "ix_bookings_active_holds",
        table_name="bookings",
        postgresql_where=sa.text("status = 'held'"),
    )
    op.drop_table("bookings")
    op.drop_index(op.f("ix_class_sessions_trainer_id_starts_at"), table_name="class_sessions")
    op.drop_index(
        op.f("ix_class_sessions_organization_id_starts_at_id"), table_name="class_sessions"
    )
    op.drop_table("class_sessions")
