"""Receiving Stripe's webhook: verify, keep once, answer at once; a job does the rest."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.config import get_settings
from fitflow.payments import events
from fitflow.payments.errors import InvalidWebhook, WebhookTooLarge
from fitflow.payments.schemas import WebhookReceived
from fitflow.payments.stripe_gateway import verified_event

MAX_BODY_BYTES = 512 * 1024


async def receive_stripe(
    session: AsyncSession, body: bytes, signature: str, *, account: uuid.UUID | None
) -> WebhookReceived:
    """Keep a Stripe event whose signature (over the raw body, within the tolerance)
    proves Stripe sent it; 400 and nothing kept otherwise. `account` is the studio whose
    own Stripe account's endpoint it arrived at (None: the platform's), whose signing
    secret checks it."""
    if len(body) > MAX_BODY_BYTES:
        raise WebhookTooLarge()
    platform = get_settings().stripe
    if account is not None and account not in platform.studio_accounts:
        raise InvalidWebhook("This studio has no Stripe account of its own configured.")
    settings = platform.for_studio(account)
    if settings.webhook_secret is None:
        raise InvalidWebhook("No webhook signing secret is configured.")
    event = verified_event(
        body,
        signature,
        settings.webhook_secret.get_secret_value(),
        settings.webhook_tolerance_seconds,
    )
    kept = await events.keep(session, event, account)
    return WebhookReceived(duplicate=not kept)
