"""Jobs that keep subscriptions and their provider in step: FitFlow's changes pushed
out, and grace periods that ran out ended."""

from __future__ import annotations

import uuid

from fitflow.config import get_settings
from fitflow.kit import time
from fitflow.kit.jobs import job_session
from fitflow.kit.logging import get_logger
from fitflow.payments import providers, repository, subscriptions
from fitflow.worker import app

log = get_logger("fitflow.payments")
RETRY = 8
SUSPEND_BATCH = 200


@app.task(name="payments.sync_subscription", retry=RETRY)
async def sync_subscription(subscription_id: str) -> None:
    """Push the terms a membership change asks for (cancel now, cancel at the period's
    end, the next charge a freeze moved) to the provider. The terms are read when the
    job runs, so a late or repeated run pushes the latest and the same terms twice
    change nothing."""
    async with job_session() as session:
        wanted = await subscriptions.wanted_terms(session, uuid.UUID(subscription_id))
    if wanted is None:
        return
    provider_name, organization_id, terms = wanted
    await providers.provider(provider_name, organization_id).update_subscription(terms)
    log.info("subscription_synced", subscription_id=subscription_id, cancel_now=terms.cancel_now)


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
