"""live outbox: availability changes queue a notice for the relay instead of a NOTIFY

Revision ID: 9ac382dc91fa
Revises: 4039c60285da
Create Date: 2026-11-22 06:33:01.710356+00:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "9ac382dc91fa"
down_revision: str | None = "4039c60285da"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SPOTS_REVISION = "1eefb2947aed"
"""Created `fitflow_bookings_count_spots` (COUNT_SPOTS), restored by the downgrade."""
NOTICES_REVISION = "1956ba344e35"
"""Created `fitflow_class_sessions_notify` (NOTIFY_AVAILABILITY), restored likewise."""

QUEUE_AVAILABILITY = """
CREATE FUNCTION fitflow_queue_availability(organization uuid, session uuid, starts timestamptz)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    -- plpgsql, not sql: its insert is planned once per connection, not at every call
    INSERT INTO live_outbox (channel, payload) VALUES (
        'fitflow_availability',
        organization::text || ' ' || session::text || ' '
            || floor(extract(epoch FROM starts))::bigint::text
    );
END
$$;
"""

SESSION_NOTICES = """
CREATE FUNCTION fitflow_class_sessions_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM fitflow_queue_availability(NEW.organization_id, NEW.id, NEW.starts_at);
    RETURN NULL;
END
$$;
CREATE TRIGGER notify_new_session
    AFTER INSERT ON class_sessions
    FOR EACH ROW EXECUTE FUNCTION fitflow_class_sessions_notify();
CREATE TRIGGER notify_availability
    AFTER UPDATE OF taken, capacity, status ON class_sessions
    FOR EACH ROW
    WHEN (
        OLD.taken IS DISTINCT FROM NEW.taken
        OR OLD.capacity IS DISTINCT FROM NEW.capacity
        OR OLD.status IS DISTINCT FROM NEW.status
    )
    EXECUTE FUNCTION fitflow_class_sessions_notify();
"""

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
            PERFORM fitflow_queue_availability(
                NEW.organization_id, NEW.session_id, NEW.starts_at
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

DROP_TRIGGERS = """
DROP TRIGGER count_spots ON bookings;
DROP FUNCTION fitflow_bookings_count_spots();
DROP TRIGGER notify_availability ON class_sessions;
DROP TRIGGER notify_new_session ON class_sessions;
DROP FUNCTION fitflow_class_sessions_notify();
"""


def upgrade() -> None:
    # Unlogged: no WAL per booking; after a crash it is empty, as nobody listens then.
    op.create_table(
        "live_outbox",
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        prefixes=["UNLOGGED"],
    )
    op.execute(QUEUE_AVAILABILITY)
    op.execute(DROP_TRIGGERS)
    op.execute(SESSION_NOTICES)
    op.execute(COUNT_SPOTS)


def downgrade() -> None:
    op.execute(DROP_TRIGGERS)
    op.execute(_earlier(NOTICES_REVISION).NOTIFY_AVAILABILITY)
    op.execute(_earlier(SPOTS_REVISION).COUNT_SPOTS)
    op.execute("DROP FUNCTION fitflow_queue_availability(uuid, uuid, timestamptz)")
    op.drop_table("live_outbox")


def _earlier(revision_id: str) -> Any:
    """An earlier revision's module, for the trigger definitions it created."""
    script = op.get_context().script
    if script is None:
        raise RuntimeError("run this migration through Alembic")
    return script.get_revision(revision_id).module
