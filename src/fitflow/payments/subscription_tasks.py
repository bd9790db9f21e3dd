"""The job that pushes FitFlow's side of a subscription to its provider."""

from __future__ import annotations

import uuid

from fitflow.kit.jobs import job_session
from fitflow.kit.logging import get_logger
from fitflow.payments import providers, subscription_terms
from fitflow.worker import app

log = get_logger("fitflow.payments")
RETRY = 8


@app.task(name="payments.sync_subscription", retry=RETRY)
async def sync_subscription(subscription_id: str) -> None:
    """Push the terms the latest period asks for (cancel now, cancel at the period's
    end, the price, the next charge) to the provider. The terms are read when the job
    runs, so a late or repeated run pushes the latest, and the same terms twice change
    nothing."""
    async with job_session() as session:
        wanted = await subscription_terms.wanted_terms(session, uuid.UUID(subscription_id))
    if wanted is None:
        return
    provider_name, organization_id, terms = wanted
    await providers.provider(provider_name, organization_id).update_subscription(terms)
    log.info("subscription_synced", subscription_id=subscription_id, cancel_now=terms.cancel_now)
