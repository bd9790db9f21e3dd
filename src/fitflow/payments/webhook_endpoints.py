"""/api/v1/webhooks/stripe: Stripe's events arrive here (a studio's own account's at
/api/v1/webhooks/stripe/{studio_id})."""

from __future__ import annotations

import uuid

from fastapi import Request

from fitflow.auth.deps import Session
from fitflow.kit.errors import raises
from fitflow.kit.unit_of_work import api_router, reads_raw_body
from fitflow.payments import webhooks
from fitflow.payments.errors import InvalidWebhook, WebhookTooLarge
from fitflow.payments.schemas import WebhookReceived

router = api_router("webhooks")


@router.post("/webhooks/stripe")
@raises(InvalidWebhook, WebhookTooLarge)
@reads_raw_body
async def stripe_webhook(request: Request, session: Session) -> WebhookReceived:
    """Stripe's events. The signature is checked on the raw body (300 s tolerance), the
    event is kept once by its id and a job handles it; the answer comes at once."""
    body = await request.body()
    signature = request.headers.get("stripe-signature", "")
    return await webhooks.receive_stripe(session, body, signature, account=None)


@router.post("/webhooks/stripe/{studio_id}")
@raises(InvalidWebhook, WebhookTooLarge)
@reads_raw_body
async def studio_stripe_webhook(
    studio_id: uuid.UUID, request: Request, session: Session
) -> WebhookReceived:
    """Stripe's events from a studio's own Stripe account, checked with that account's
    signing secret; they may speak only of that studio's orders."""
    body = await request.body()
    signature = request.headers.get("stripe-signature", "")
    return await webhooks.receive_stripe(session, body, signature, account=studio_id)
