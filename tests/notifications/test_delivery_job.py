"""The delivery job run by the real procrastinate worker (committed mode)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from fitflow import worker
from fitflow.config import Settings, use_settings
from fitflow.kit.db import Database
from fitflow.notifications import service as notifications
from fitflow.notifications.models import OutboundEmail
from tests.conftest import make_settings
from tests.notifications.mailbox import HOST, Mailbox, free_port


def smtp_settings(database_url: str, *, port: int, max_retries: int) -> Settings:
    return make_settings(
        database_url,
        notifications={"transport": "smtp", "max_retries": max_retries},
        smtp={"host": HOST, "port": port, "timeout_seconds": 5},
    )


@pytest.fixture
def unreachable_smtp(database_url: str, settings: Settings) -> Iterator[Settings]:
    """One retry allowed, and nothing listening where the SMTP server should be."""
    configured = smtp_settings(database_url, port=free_port(), max_retries=1)
    use_settings(configured)
    yield configured
    use_settings(settings)


@pytest.fixture
def reachable_smtp(database_url: str, settings: Settings, mailbox: Mailbox) -> Iterator[Settings]:
    configured = smtp_settings(database_url, port=mailbox.port, max_retries=1)
    use_settings(configured)
    yield configured
    use_settings(settings)


async def queue_committed(database: Database) -> uuid.UUID:
    async with database.sessions() as session:
        email = await notifications.queue_email(
            session, to="member@example.com", subject="Waitlist", body="A spot opened.\n"
        )
        await session.commit()
        return email.id


async def email_row(database: Database, email_id: uuid.UUID) -> OutboundEmail:
    async with database.sessions() as session:
        email = await session.get(OutboundEmail, email_id)
        assert email is not None
        return email


async def delivery_jobs(database: Database) -> list[tuple[str, int]]:
    """(status, attempts) of every delivery job still in the queue."""
    async with database.sessions() as session:
        rows = await session.execute(
            text(
                "SELECT status::text, attempts FROM procrastinate_jobs "
                "WHERE task_name = 'notifications.deliver_email'"
            )
        )
        return [(str(status), int(attempts)) for status, attempts in rows]


async def make_retry_due(database: Database) -> None:
    """Skip the backoff wait instead of sleeping through it."""
    async with database.sessions() as session:
        await session.execute(
            text("UPDATE procrastinate_jobs SET scheduled_at = now() WHERE status = 'todo'")
        )
        await session.commit()


class TestDeliveryJob:
    async def test_the_worker_sends_a_queued_email_over_smtp(
        self,
        committed_database: Database,
        database_url: str,
        reachable_smtp: Settings,
        mailbox: Mailbox,
    ) -> None:
        email_id = await queue_committed(committed_database)
        await worker.run(database_url, reachable_smtp, wait=False)
        email = await email_row(committed_database, email_id)
        assert email.status == "sent"
        assert [mail.recipients for mail in mailbox.received] == [["member@example.com"]]

    async def test_a_failed_delivery_is_retried_then_marked_failed_on_the_last_attempt(
        self, committed_database: Database, database_url: str, unreachable_smtp: Settings
    ) -> None:
        email_id = await queue_committed(committed_database)

        await worker.run(database_url, unreachable_smtp, wait=False)
        assert await delivery_jobs(committed_database) == [("todo", 1)]
        first = await email_row(committed_database, email_id)
        assert (first.status, first.last_error) == ("queued", None)

        await make_retry_due(committed_database)
        await worker.run(database_url, unreachable_smtp, wait=False)
        assert await delivery_jobs(committed_database) == []
        last = await email_row(committed_database, email_id)
        assert last.status == "failed"
        assert last.last_error
        assert last.sent_at is None
