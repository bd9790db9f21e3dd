"""Emails to members about their spots, queued in the transaction that caused them."""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.bookings.models import ClassSession
from fitflow.members import service as members
from fitflow.notifications import service as notifications
from fitflow.organizations.models import Organization


def local(at: datetime, organization: Organization) -> str:
    return f"{at.astimezone(ZoneInfo(organization.timezone)):%A %d %B, %H:%M}"


async def tell(
    session: AsyncSession,
    organization: Organization,
    member_id: uuid.UUID,
    class_session: ClassSession,
    *,
    subject: str,
    body: str,
) -> None:
    """Email the member about `class_session`; `subject` and `body` follow the class's
    title and local start time."""
    email = await members.email_of(session, organization.id, member_id)
    if email is None:
        return
    when = local(class_session.starts_at, organization)
    await notifications.queue_email(
        session,
        to=email,
        subject=f"{class_session.title}, {when}: {subject}",
        body=f"{class_session.title} at {organization.name}, {when}.\n\n{body}",
        organization_id=organization.id,
    )


async def spot_offered(
    session: AsyncSession,
    organization: Organization,
    member_id: uuid.UUID,
    class_session: ClassSession,
    expires_at: datetime,
) -> None:
    await tell(
        session,
        organization,
        member_id,
        class_session,
        subject="a spot is yours to take",
        body=(
            "A spot opened up and it is held for you. Confirm it before"
            f" {local(expires_at, organization)}, or it goes to the next person waiting."
        ),
    )


async def promoted(
    session: AsyncSession, organization: Organization, member_id: uuid.UUID, cs: ClassSession
) -> None:
    await tell(
        session,
        organization,
        member_id,
        cs,
        subject="you are booked",
        body="A spot opened up and you were booked from the waitlist. See you there!",
    )


async def skipped(
    session: AsyncSession,
    organization: Organization,
    member_id: uuid.UUID,
    cs: ClassSession,
    reason: str,
) -> None:
    await tell(
        session,
        organization,
        member_id,
        cs,
        subject="a spot opened but could not be booked for you",
        body=(
            "A spot opened up, but nothing you hold pays for this class"
            f" ({reason}), so it went to the next person waiting. You stay on the waitlist;"
            " buy a pack or a pass to be booked next time."
        ),
    )


async def session_cancelled(
    session: AsyncSession, organization: Organization, member_id: uuid.UUID, cs: ClassSession
) -> None:
    await tell(
        session,
        organization,
        member_id,
        cs,
        subject="cancelled",
        body=(
            "This class was cancelled by the studio. Anything you paid for it was given back"
            f" in full.{' Reason: ' + cs.cancel_reason if cs.cancel_reason else ''}"
        ),
    )
