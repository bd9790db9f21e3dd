"""Periodic tidy-up of the toolkit's own tables."""

from __future__ import annotations

from datetime import timedelta

from fitflow.config import get_settings
from fitflow.kit import idempotency
from fitflow.kit.jobs import job_session
from fitflow.kit.logging import get_logger
from fitflow.worker import app

log = get_logger("fitflow.maintenance")


@app.periodic(cron=get_settings().jobs.purge_cron)
@app.task(name="idempotency.purge_expired", queueing_lock="idempotency.purge_expired")
async def purge_idempotency_keys(timestamp: int) -> None:
    """Remove idempotency keys older than their time to live (24 hours by default)."""
    ttl = timedelta(seconds=get_settings().idempotency.ttl_seconds)
    async with job_session() as session:
        removed = await idempotency.purge_expired(session, ttl)
    log.info("idempotency_keys_purged", removed=removed)
