"""What memberships pay for: the covering memberships of a class, their uses, and the
member price. The entitlement service calls these inside the booking's transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.memberships import repository, state
from fitflow.memberships.models import Membership, MembershipFreeze
from fitflow.organizations.models import Organization


async def usable_for_class(
    session: AsyncSession,
    organization: Organization,
    member_id: uuid.UUID,
    *,
    at: datetime,
    class_type_id: uuid.UUID | None,
    lock: bool,
) -> tuple[list[Membership], list[str]]:
    """The member's memberships that could pay for a class of this type starting at `at`
    (unlimited ones first, then passes, soonest-ending first), and why the others cannot.
    With `lock`, the candidates are locked in id order, so two charges against one
    membership queue. Weekly caps are the caller's to count."""
    candidates = await repository.covering_candidates(
        session, organization.id, member_id, at, lock=lock
    )
    with_freezes = [membership.id for membership, has_freezes in candidates if has_freezes]
    freezes = await repository.freezes_of(session, with_freezes) if with_freezes else {}
    usable, reasons = [], []
    for membership, _ in candidates:
        reason = _why_not(
            membership, freezes.get(membership.id, []), at, class_type_id, organization
        )
        if reason is None:
            usable.append(membership)
        else:
            reasons.append(reason)
    usable.sort(key=lambda m: (m.kind != "unlimited", state.coverage_end(m), m.id))
    return usable, reasons


def _why_not(
    membership: Membership,
    freezes: Sequence[MembershipFreeze],
    at: datetime,
    class_type_id: uuid.UUID | None,
    organization: Organization,
) -> str | None:
    if not state.covers(membership, freezes, at, organization.timezone):
        return "membership_frozen"
    if membership.class_type_ids is not None and class_type_id not in membership.class_type_ids:
        return "class_type_not_covered"
    if (
        membership.class_allowance is not None
        and membership.classes_used >= membership.class_allowance
    ):
        return "pass_used"
    return None


async def record_use(session: AsyncSession, membership: Membership) -> None:
    """Count one more class paid by a membership the caller holds locked."""
    membership.classes_used += 1
    await session.flush()


async def release_use(
    session: AsyncSession, organization_id: uuid.UUID, membership_id: uuid.UUID
) -> None:
    """Give back a use (a class cancelled in full); locks the membership."""
    membership = await repository.by_id(session, organization_id, membership_id, lock=True)
    if membership is not None and membership.classes_used > 0:
        membership.classes_used -= 1
        await session.flush()


async def holds_membership(
    session: AsyncSession, organization_id: uuid.UUID, member_id: uuid.UUID, at: datetime
) -> bool:
    """Whether the member holds an unlimited membership not ended at `at` (members pay
    the member price for a drop-in)."""
    return await repository.has_current(session, organization_id, member_id, at)


async def live_uses_between(
    session: AsyncSession, membership_id: uuid.UUID, start: datetime, end: datetime
) -> int:
    """Classes starting in `[start, end)` the membership paid for and still pays for."""
    return await repository.live_uses_between(session, membership_id, start, end)
