"""Queue email, read the outbox and tidy old messages. `queue_email` runs inside the
caller's transaction and defers the delivery job there too, so a message exists exactly
when its cause committed."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.kit import jobs
from fitflow.notifications import repository
from fitflow.notifications.models import OutboundEmail
from fitflow.notifications.tasks import deliver_email


async def queue_email(
    session: AsyncSession,
    *,
    to: str,
    subject: str,
    body: str,
    organization_id: uuid.UUID | None = None,
) -> OutboundEmail:
    email = OutboundEmail(
        to_address=to, subject=subject, body_text=body, organization_id=organization_id
    )
    await repository.add(session, email)
    await jobs.defer(session, deliver_email, email_id=str(email.id))
    return email


async def outbox(session: AsyncSession, limit: int = 50) -> Sequence[OutboundEmail]:
    """The newest emails, for the development outbox page."""
    return await repository.newest(session, limit)
