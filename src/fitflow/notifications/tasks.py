from __future__ import annotations

import uuid
from datetime import timedelta

from procrastinate import JobContext

from fitflow.config import get_settings
from fitflow.kit.jobs import ConfiguredRetry, job_session
from fitflow.notifications import delivery
from fitflow.worker import app

delivery_retry = ConfiguredRetry(
    max_retries=lambda: get_settings().notifications.max_retries,
    base_seconds=lambda: get_settings().notifications.retry_base_seconds,
)


@app.task(
    name="notifications.deliver_email",
    queue="notifications",
    pass_context=True,
    retry=delivery_retry,
)
async def deliver_email(context: JobContext, email_id: str) -> None:
    """Send one queued email (idempotent: a sent email is not sent again)."""
    attempts = context.job.attempts if context.job else 0
    async with job_session() as session:
        await delivery.deliver(
            session,
            uuid.UUID(email_id),
            get_settings(),
            last_attempt=delivery_retry.is_last_attempt(attempts),
        )


@app.periodic(cron=get_settings().jobs.purge_cron)
@app.task(name="notifications.purge_old", queueing_lock="notifications.purge_old")
async def purge_old_emails(timestamp: int) -> None:
    """Remove sent, kept and failed emails older than the retention setting."""
    retention = timedelta(days=get_settings().notifications.retention_days)
    async with job_session() as session:
        await delivery.purge_old(session, retention)
