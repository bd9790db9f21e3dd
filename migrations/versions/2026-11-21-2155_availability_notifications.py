"""availability notifications: class sessions announce changes to their spots

Revision ID: 1956ba344e35
Revises: 33f0f3c76e57
Create Date: 2026-11-21 21:55:00.413338+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "1956ba344e35"
down_revision: str | None = "33f0f3c76e57"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


NOTIFY_AVAILABILITY = """
CREATE FUNCTION fitflow_class_sessions_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify(
        'fitflow_availability',
        NEW.organization_id::text || ' ' || NEW.id::text || ' '
            || floor(extract(epoch FROM NEW.starts_at))::bigint::text
    );
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


def upgrade() -> None:
    # Delivered at commit to every listening API process (live availability streams).
    op.execute(NOTIFY_AVAILABILITY)


def downgrade() -> None:
    op.execute("DROP TRIGGER notify_availability ON class_sessions")
    op.execute("DROP TRIGGER notify_new_session ON class_sessions")
    op.execute("DROP FUNCTION fitflow_class_sessions_notify()")
