"""The periodic job that ends grace periods a failed renewal opened."""

from __future__ import annotations

from fitflow.config import get_settings
from fitflow.kit import time
from fitflow.kit.jobs import job_session
from fitflow.kit.logging import get_logger
from fitflow.payments import repository, subscriptions
from fitflow.worker import app

log = get_logger("fitflow.payments")
SUSPEND_BATCH = 200


@app.periodic(cron=get_settings().jobs.subscription_grace_cron)
@app.task(name="payments.suspend_past_grace", queueing_lock="payments.suspend_past_grace")
async def suspend_past_grace(timestamp: int) -> None:
    """Suspend subscriptions whose renewal is still unpaid when the grace period ends,
    each in its own transaction."""
    async with job_session() as session:
        due = await repository.past_grace_ids(session, time.now(), SUSPEND_BATCH)
    suspended = 0
    for subscription_id in due:
        async with job_session() as session:
            suspended += await subscriptions.suspend(session, subscription_id)
    log.info("subscriptions_suspended", suspended=suspended)
