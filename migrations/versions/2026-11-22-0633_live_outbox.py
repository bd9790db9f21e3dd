"""live outbox: availability changes queue a notice for the relay instead of a NOTIFY

Revision ID: 9ac382dc91fa
Revises: 4039c60285da
Create Date: 2026-11-22 06:33:01.710356+00:00
"""

import re
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "9ac382dc91fa"
down_revision: str | None = "4039c60285da"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SPOTS_REVISION = "1eefb2947aed"
"""Created `fitflow_bookings_count_spots` (COUNT_SPOTS), queueing from here on."""
NOTICES_REVISION = "1956ba344e35"
"""Created `fitflow_class_sessions_notify` (NOTIFY_AVAILABILITY), likewise."""

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

NOTIFY_CALL = re.compile(
    r"PERFORM pg_notify\(\s*'fitflow_availability',\s*"
    r"NEW\.organization_id::text \|\| ' ' \|\| NEW\.(?P<session>\w+)::text \|\| ' '\s*"
    r"\|\| floor\(extract\(epoch FROM NEW\.starts_at\)\)::bigint::text\s*\);"
)
QUEUE_CALL = (
    r"PERFORM fitflow_queue_availability(NEW.organization_id, NEW.\g<session>, NEW.starts_at);"
)

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
    # The earlier triggers, each with its NOTIFY turned into a queued notice.
    op.execute(_queueing(_earlier(NOTICES_REVISION).NOTIFY_AVAILABILITY))
    op.execute(_queueing(_earlier(SPOTS_REVISION).COUNT_SPOTS))


def downgrade() -> None:
    op.execute(DROP_TRIGGERS)
    op.execute(_earlier(NOTICES_REVISION).NOTIFY_AVAILABILITY)
    op.execute(_earlier(SPOTS_REVISION).COUNT_SPOTS)
    op.execute("DROP FUNCTION fitflow_queue_availability(uuid, uuid, timestamptz)")
    op.drop_table("live_outbox")


def _queueing(definition: str) -> str:
    """`definition` with its one `pg_notify` call replaced by a queued notice."""
    queueing, calls = NOTIFY_CALL.subn(QUEUE_CALL, definition)
    if calls != 1:
        raise RuntimeError(f"expected one availability NOTIFY to replace, found {calls}")
    return queueing


def _earlier(revision_id: str) -> Any:
    """An earlier revision's module, for the trigger definitions it created."""
    script = op.get_context().script
    if script is None:
        raise RuntimeError("run this migration through Alembic")
    return script.get_revision(revision_id).module
