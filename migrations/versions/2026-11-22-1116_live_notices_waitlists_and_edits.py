"""live notices for waitlist changes and session edits

Revision ID: 1dd32bd92fd5
Revises: 9ac382dc91fa
Create Date: 2026-11-22 11:16:40.873320+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "1dd32bd92fd5"
down_revision: str | None = "9ac382dc91fa"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Everything a session shows (`SessionRead`) that an update can change.
SHOWN = (
    "taken, capacity, status, title, trainer_id, location_id, starts_at, ends_at, "
    "credit_units, cancelled_at"
)


def _changed(columns: str) -> str:
    listed = [column.strip() for column in columns.split(",")]
    old = ", ".join(f"OLD.{column}" for column in listed)
    new = ", ".join(f"NEW.{column}" for column in listed)
    return f"({old}) IS DISTINCT FROM ({new})"


def _session_trigger(columns: str) -> str:
    return f"""
CREATE TRIGGER notify_availability
    AFTER UPDATE OF {columns} ON class_sessions
    FOR EACH ROW
    WHEN ({_changed(columns)})
    EXECUTE FUNCTION fitflow_class_sessions_notify();
"""


QUEUE_WAITLIST_CHANGE = """
CREATE FUNCTION fitflow_waitlist_entries_queue() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    entry waitlist_entries;
    starts timestamptz;
BEGIN
    IF TG_OP = 'DELETE' THEN
        entry := OLD;
    ELSE
        entry := NEW;
    END IF;
    SELECT starts_at INTO starts FROM class_sessions WHERE id = entry.session_id;
    IF FOUND THEN  -- not when the session itself is being deleted
        PERFORM fitflow_queue_availability(entry.organization_id, entry.session_id, starts);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER queue_waitlist_entry
    AFTER INSERT OR DELETE ON waitlist_entries
    FOR EACH ROW EXECUTE FUNCTION fitflow_waitlist_entries_queue();
CREATE TRIGGER queue_waitlist_status
    AFTER UPDATE OF status ON waitlist_entries
    FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION fitflow_waitlist_entries_queue();
"""


def upgrade() -> None:
    # A waitlist's length is part of what a session shows, and so are its trainer,
    # room, times and title: the live streams hear of those changes too.
    op.execute(QUEUE_WAITLIST_CHANGE)
    op.execute("DROP TRIGGER notify_availability ON class_sessions")
    op.execute(_session_trigger(SHOWN))


def downgrade() -> None:
    op.execute("DROP TRIGGER notify_availability ON class_sessions")
    op.execute(_session_trigger("taken, capacity, status"))
    op.execute("DROP TRIGGER queue_waitlist_status ON waitlist_entries")
    op.execute("DROP TRIGGER queue_waitlist_entry ON waitlist_entries")
    op.execute("DROP FUNCTION fitflow_waitlist_entries_queue()")
