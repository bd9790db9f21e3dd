"""session revisions for the schedule page cache

Revision ID: af8a5b4069c5
Revises: 1dd32bd92fd5
Create Date: 2026-11-22 13:19:52.154023+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "af8a5b4069c5"
down_revision: str | None = "1dd32bd92fd5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REVISE = """
CREATE FUNCTION fitflow_class_sessions_revise() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.revision := nextval('class_session_revisions');
    RETURN NEW;
END
$$;
CREATE TRIGGER revise_session
    BEFORE INSERT OR UPDATE ON class_sessions
    FOR EACH ROW EXECUTE FUNCTION fitflow_class_sessions_revise();
"""


def upgrade() -> None:
    # Every version of a session row gets a number no other version ever had, even a
    # row copied with its revision: the schedule page cache compares a page's numbers
    # to know it is unchanged. Adding the column rewrites class_sessions once.
    op.execute("CREATE SEQUENCE class_session_revisions AS bigint")
    op.add_column(
        "class_sessions",
        sa.Column(
            "revision",
            sa.BigInteger(),
            server_default=sa.text("nextval('class_session_revisions')"),
            nullable=False,
        ),
    )
    op.execute("ALTER SEQUENCE class_session_revisions OWNED BY class_sessions.revision")
    op.execute(REVISE)
    # The fingerprint reads each listed session's hold expiries through this index.
    op.create_index(
        "ix_bookings_session_holds",
        "bookings",
        ["session_id", "hold_expires_at"],
        unique=False,
        postgresql_where=sa.text("status = 'held'"),
    )


def downgrade() -> None:
    op.drop_index("ix_bookings_session_holds", table_name="bookings")
    op.execute("DROP TRIGGER revise_session ON class_sessions")
    op.execute("DROP FUNCTION fitflow_class_sessions_revise()")
    op.drop_column("class_sessions", "revision")  # drops its owned sequence too
