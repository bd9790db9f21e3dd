"""Provider events: kept once when they arrive (the webhook), handled once by a job. A
handler decides from the order's current state, never from the order events came in, so
duplicates and late arrivals change nothing."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.kit import jobs
from fitflow.payments import repository, stripe_events
from fitflow.payments.models import PaymentEvent
from fitflow.payments.tasks import handle_event


async def keep(
    session: AsyncSession, payload: dict[str, object], account: uuid.UUID | None
) -> bool:
    """Store a verified Stripe event, with the studio whose own account sent it (None:
    the platform's), and queue its handling in the same transaction; False (and nothing
    queued) for an event already received."""
    data = payload.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    event = PaymentEvent(
        id=str(payload["id"]),
        provider="stripe",
        type=str(payload.get("type") or "unknown")[:100],
        created_at=stripe_events.event_time(payload),
        payload=payload,
        account_id=account,
        organization_id=stripe_events.organization_of(obj) if isinstance(obj, dict) else None,
    )
    if not await repository.store_event(session, event):
        return False
    await jobs.defer(session, handle_event, event_id=event.id)
    return True
