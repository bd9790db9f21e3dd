"""Delivering one queued email: outbox, SMTP, failures, and queueing with the transaction."""

from __future__ import annotations

import uuid

import aiosmtplib
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.config import Settings
from fitflow.kit.db import Database
from fitflow.notifications import delivery
from fitflow.notifications import service as notifications
from fitflow.notifications.models import OutboundEmail
from tests.conftest import make_settings, table_count
from tests.notifications.mailbox import HOST, Mailbox, free_port

RECIPIENT = "someone@example.com"


def mail_settings(database_url: str, *, transport: str, port: int) -> Settings:
    return make_settings(
        database_url,
        notifications={"transport": transport},
        smtp={"host": HOST, "port": port, "timeout_seconds": 5},
    )


async def queue(session: AsyncSession, *, subject: str = "Hello") -> uuid.UUID:
    email = await notifications.queue_email(
        session, to=RECIPIENT, subject=subject, body="Your class starts at 7.\n"
    )
    return email.id


async def status_of(session: AsyncSession, email_id: uuid.UUID) -> OutboundEmail:
    email = await session.get(OutboundEmail, email_id, populate_existing=True)
    assert email is not None
    return email


class TestOutboxTransport:
    async def test_the_outbox_transport_keeps_the_email_without_sending_it(
        self, database: Database, database_url: str, mailbox: Mailbox
    ) -> None:
        settings = mail_settings(database_url, transport="outbox", port=mailbox.port)
        async with database.sessions() as session:
            email_id = await queue(session)
            await delivery.deliver(session, email_id, settings, last_attempt=False)
            email = await status_of(session, email_id)
        assert email.status == "kept"
        assert email.sent_at is None
        assert mailbox.received == []


class TestSmtpTransport:
    async def test_smtp_delivery_sends_the_email_and_marks_it_sent(
        self, database: Database, database_url: str, mailbox: Mailbox
    ) -> None:
        settings = mail_settings(database_url, transport="smtp", port=mailbox.port)
        async with database.sessions() as session:
            email_id = await queue(session, subject="Booked: Yoga")
            await delivery.deliver(session, email_id, settings, last_attempt=False)
            email = await status_of(session, email_id)
        assert email.status == "sent"
        assert email.sent_at is not None
        assert len(mailbox.received) == 1
        mail = mailbox.received[0]
        assert mail.recipients == [RECIPIENT]
        assert mail.message["Subject"] == "Booked: Yoga"
        assert mail.message["To"] == RECIPIENT
        assert mail.message["From"] == settings.smtp.from_address
        assert mail.text == "Your class starts at 7.\n"

    async def test_an_email_already_sent_is_not_sent_again(
        self, database: Database, database_url: str, mailbox: Mailbox
    ) -> None:
        settings = mail_settings(database_url, transport="smtp", port=mailbox.port)
        async with database.sessions() as session:
            email_id = await queue(session)
            await delivery.deliver(session, email_id, settings, last_attempt=False)
            await delivery.deliver(session, email_id, settings, last_attempt=False)
        assert len(mailbox.received) == 1


class TestUnreachableServer:
    async def test_a_failed_attempt_raises_so_the_job_retries_and_the_email_stays_queued(
        self, database: Database, database_url: str
    ) -> None:
        settings = mail_settings(database_url, transport="smtp", port=free_port())
        async with database.sessions() as session:
            email_id = await queue(session)
            with pytest.raises((OSError, aiosmtplib.SMTPException)):
                await delivery.deliver(session, email_id, settings, last_attempt=False)
            email = await status_of(session, email_id)
        assert email.status == "queued"
        assert email.last_error is None

    async def test_the_last_attempt_marks_the_email_failed_with_the_error(
        self, database: Database, database_url: str
    ) -> None:
        settings = mail_settings(database_url, transport="smtp", port=free_port())
        async with database.sessions() as session:
            email_id = await queue(session)
            await delivery.deliver(session, email_id, settings, last_attempt=True)
            email = await status_of(session, email_id)
        assert email.status == "failed"
        assert email.sent_at is None
        assert email.last_error

    async def test_a_failed_email_is_not_attempted_again(
        self, database: Database, database_url: str, mailbox: Mailbox
    ) -> None:
        unreachable = mail_settings(database_url, transport="smtp", port=free_port())
        reachable = mail_settings(database_url, transport="smtp", port=mailbox.port)
        async with database.sessions() as session:
            email_id = await queue(session)
            await delivery.deliver(session, email_id, unreachable, last_attempt=True)
            await delivery.deliver(session, email_id, reachable, last_attempt=False)
            email = await status_of(session, email_id)
        assert email.status == "failed"
        assert mailbox.received == []


class TestQueueing:
    async def test_queueing_stores_the_email_and_defers_its_delivery_job(
        self, database: Database
    ) -> None:
        async with database.sessions() as session:
            email_id = await queue(session)
            await session.commit()
            email = await status_of(session, email_id)
        assert email.status == "queued"
        assert await table_count(database, "procrastinate_jobs") == 1

    async def test_an_email_queued_in_a_rolled_back_transaction_leaves_no_email_and_no_job(
        self, database: Database
    ) -> None:
        async with database.sessions() as session:
            await queue(session)
            await session.rollback()
        assert await table_count(database, "outbound_emails") == 0
        assert await table_count(database, "procrastinate_jobs") == 0
