"""What other domains do to a membership's period: a refund cuts it short, a
subscription extends it for a grace period, ends it with its period or moves it to
another plan. Each takes the membership locked (or expects the caller to hold it)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.kit import time
from fitflow.memberships import repository, state
from fitflow.memberships.errors import MembershipNotFound
from fitflow.memberships.models import Membership, MembershipFreeze
from fitflow.organizations.models import Organization
from fitflow.plans.models import Plan


async def save(
    session: AsyncSession,
    membership: Membership,
    freezes: Sequence[MembershipFreeze],
    now: datetime,
    timezone: str,
    *added: MembershipFreeze,
) -> None:
    """Write a changed membership (and freezes added to it), its recorded status set to
    its state now."""
    membership.status = state.status_at(membership, freezes, now, timezone).value
    await repository.add(session, membership, *added)


async def cut_short(
    session: AsyncSession,
    organization: Organization,
    membership_id: uuid.UUID,
    kept: tuple[int, int],
) -> datetime:
    """End a membership once the share `kept` of its paid days is used (a refund took
    the rest back), never before now and never later than it ends already. Locks the
    membership; returns where it now ends."""
    membership = await repository.by_id(session, organization.id, membership_id, lock=True)
    if membership is None:
        raise MembershipNotFound()
    freezes = await repository.freezes_of_one(session, membership.id)
    now, timezone = time.now(), organization.timezone
    ends_at = max(state.kept_end(membership, freezes, timezone, kept), now)
    membership.cancel_at = min(state.coverage_end(membership), ends_at)
    await save(session, membership, freezes, now, timezone)
    return membership.cancel_at


async def window_of(
    session: AsyncSession, organization_id: uuid.UUID, membership_id: uuid.UUID
) -> tuple[datetime, datetime, int]:
    """`(valid_from, valid_until, classes_used)` of a membership, for refunds and voids;
    locks it, so a freeze or a class paid meanwhile waits for the caller's transaction."""
    membership = await repository.by_id(session, organization_id, membership_id, lock=True)
    if membership is None:
        raise MembershipNotFound()
    return membership.valid_from, membership.valid_until, membership.classes_used


async def latest_of_subscription(
    session: AsyncSession, organization_id: uuid.UUID, subscription_id: uuid.UUID
) -> Membership | None:
    """The last period a subscription paid for, locked."""
    return await repository.latest_of_subscription(session, organization_id, subscription_id)


async def move_end(
    session: AsyncSession, organization: Organization, membership: Membership, ends_at: datetime
) -> None:
    """Set where a subscription's period ends: out to the end of a grace period while a
    renewal is unpaid, back to the paid end when the renewal arrives. The caller holds
    the membership locked (`latest_of_subscription`)."""
    membership.valid_until = ends_at
    if membership.cancel_at is not None:
        membership.cancel_at = min(membership.cancel_at, ends_at)
    freezes = await repository.freezes_of_one(session, membership.id)
    await save(session, membership, freezes, time.now(), organization.timezone)


async def end_with_period(
    session: AsyncSession, organization: Organization, membership: Membership, *, ends: bool
) -> None:
    """Mark a subscription's period as its last (the subscription will not renew), or
    lift that again; a cancellation before the period's end stays. The caller holds the
    membership locked."""
    if ends:
        membership.cancel_at = min(
            membership.cancel_at or membership.valid_until, membership.valid_until
        )
    elif membership.cancel_at == membership.valid_until:
        membership.cancel_at = None
    freezes = await repository.freezes_of_one(session, membership.id)
    await save(session, membership, freezes, time.now(), organization.timezone)


async def switch_plan(
    session: AsyncSession, organization: Organization, membership: Membership, plan: Plan
) -> None:
    """A subscription's period takes another plan's terms (name, weekly cap, class
    types) from now on; its dates stay. The caller holds the membership locked."""
    membership.plan_id, membership.name = plan.id, plan.name
    membership.weekly_class_cap, membership.class_type_ids = (
        plan.weekly_class_cap,
        plan.class_type_ids,
    )
    freezes = await repository.freezes_of_one(session, membership.id)
    await save(session, membership, freezes, time.now(), organization.timezone)
