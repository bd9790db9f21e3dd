"""Delivering one queued email: by SMTP, or into the outbox outside production."""

from __future__ import annotations

import uuid
from datetime import timedelta

import aiosmtplib
from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.config import Settings
from fitflow.kit import time
from fitflow.kit.logging import get_logger
from fitflow.kit.metrics import counter
from fitflow.notifications import repository, smtp

log = get_logger("fitflow.notifications")
EMAILS = counter("emails", "Email delivery attempts by outcome.", ("outcome",))


async def deliver(
    session: AsyncSession, email_id: uuid.UUID, settings: Settings, *, last_attempt: bool
) -> None:
    """Send a queued email once. An SMTP failure is raised for the job to retry, except on
    the last attempt, where the email is marked failed."""
    email = await repository.for_update(session, email_id)
    if email is None or email.status != "queued":
        return
    if settings.mail_transport == "outbox":
        email.status = "kept"
        EMAILS.labels("kept").inc()
        return
    try:
        await smtp.send(
            settings.smtp, to=email.to_address, subject=email.subject, body=email.body_text
        )
    except (OSError, TimeoutError, aiosmtplib.SMTPException) as exc:
        log.warning("email_delivery_failed", email_id=str(email_id), error=str(exc))
        EMAILS.labels("failed" if last_attempt else "retried").inc()
        if not last_attempt:
            raise
        email.status, email.last_error = "failed", str(exc)
        return
    email.status, email.sent_at = "sent", time.now()
    EMAILS.labels("sent").inc()


async def purge_old(session: AsyncSession, retention: timedelta) -> int:
    """Remove emails that are no longer queued once they are older than `retention`."""
    return await repository.purge_finished_before(session, time.now() - retention)
