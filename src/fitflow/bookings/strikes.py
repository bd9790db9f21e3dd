"""The strike rule: late cancellations by unlimited members and no-shows count against
a member, and enough of them within the policy's window pause their booking."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.bookings import repository, rules
from fitflow.bookings.errors import BookingBlocked
from fitflow.organizations.policy import Policy


async def banned_until(
    session: AsyncSession,
    organization_id: uuid.UUID,
    member_id: uuid.UUID,
    policy: Policy,
    now: datetime,
) -> datetime | None:
    """Until when the member may not book, or None."""
    return (await _ban(session, organization_id, member_id, policy, now))[0]


async def _ban(
    session: AsyncSession,
    organization_id: uuid.UUID,
    member_id: uuid.UUID,
    policy: Policy,
    now: datetime,
) -> tuple[datetime | None, int]:
    """The end of a running ban, if any, and the strikes that could still count."""
    rule = policy.strikes
    if rule is None:
        return None, 0
    since = now - timedelta(days=rule.window_days + rule.ban_days)
    strikes = await repository.strikes_since(session, organization_id, member_id, since)
    return rules.banned_until(strikes, rule, now), len(strikes)


async def refuse_if_banned(
    session: AsyncSession,
    organization_id: uuid.UUID,
    member_id: uuid.UUID,
    policy: Policy,
    now: datetime,
) -> None:
    """403 `booking_blocked`, saying until when and why, for a member the rule blocks."""
    until, count = await _ban(session, organization_id, member_id, policy, now)
    if until is not None:
        rule = policy.strikes.model_dump() if policy.strikes else None
        raise BookingBlocked(data={"until": until.isoformat(), "strikes": count, "rule": rule})
