"""The job that handles a provider's event after the webhook kept it."""

from __future__ import annotations

from fitflow.kit import time
from fitflow.kit.jobs import job_session
from fitflow.kit.logging import get_logger
from fitflow.payments import repository, stripe_events
from fitflow.worker import app

log = get_logger("fitflow.payments")


@app.task(name="payments.handle_event", retry=8)
async def handle_event(event_id: str) -> None:
    """Apply one kept event, once: the event row is locked and marked handled in the same
    transaction as what it changed, so a second run finds it handled."""
    async with job_session() as session:
        event = await repository.event_for_update(session, event_id)
        if event is None or event.handled_at is not None:
            return
        data = event.payload.get("data") or {}
        obj = data.get("object") or {}
        scope = stripe_events.Scope(at=event.created_at, account=event.account_id)
        handled = await stripe_events.handle(session, event.type, obj, scope)
        event.handled_at, event.outcome, event.detail = time.now(), handled.outcome, handled.detail
    log.info("payment_event_handled", event_id=event_id, type=event.type, outcome=handled.outcome)
