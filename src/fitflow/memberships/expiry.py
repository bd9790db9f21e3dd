"""Tidy-up after memberships end, and the notice before they do. Coverage never waits
for this: whether a membership pays for a class is read from its dates."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.members import service as members
from fitflow.memberships import repository
from fitflow.memberships.models import Membership
from fitflow.notifications import service as notifications
from fitflow.organizations import service as organizations
from fitflow.organizations.models import Organization
from fitflow.plans.validity import local_day


async def record_ended(session: AsyncSession, *, at: datetime, batch: int = 500) -> int:
    """Set the recorded status of memberships that ended by `at`."""
    ended = await repository.ended_but_marked_live(session, at, batch)
    for membership in ended:
        cancelled = membership.cancel_at is not None and membership.cancel_at <= at
        membership.status = "cancelled" if cancelled else "expired"
    await session.flush()
    return len(ended)


async def warn_ending_soon(
    session: AsyncSession, *, at: datetime, warning_days: int, batch: int = 500
) -> int:
    """Queue one email per membership ending within `warning_days`, in the transaction
    that marks it warned, so each member hears once."""
    due = await repository.ending_soon_unwarned(
        session, at, at + timedelta(days=warning_days), batch
    )
    studios = await organizations.by_ids(session, list({m.organization_id for m in due}))
    for membership in due:
        email = await members.email_of(session, membership.organization_id, membership.member_id)
        if email is not None:
            await _queue_notice(session, membership, studios[membership.organization_id], email)
        membership.expiry_warned_at = at
    await session.flush()
    return len(due)


async def _queue_notice(
    session: AsyncSession, membership: Membership, studio: Organization, email: str
) -> None:
    # valid_until is the local midnight after the last day, so the last day is the one before.
    last_day = local_day(membership.valid_until - timedelta(microseconds=1), studio.timezone)
    await notifications.queue_email(
        session,
        to=email,
        subject=f"Your {membership.name} at {studio.name} ends soon",
        body=(
            f"Your {membership.name} at {studio.name} is valid until the end of"
            f" {last_day:%A %d %B %Y}. Renew at the desk or online to keep booking classes."
        ),
        organization_id=studio.id,
    )
