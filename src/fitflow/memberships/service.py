"""Membership use cases: grant from a plan, read, freeze, unfreeze and cancel. Every
change locks the membership row first, so two desks acting at once queue."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from fitflow import worker
from fitflow.audit import service as audit
from fitflow.kit import jobs, time
from fitflow.kit.errors import PermissionDenied
from fitflow.kit.pagination import Page, PageParams
from fitflow.kit.source import Source, add_once
from fitflow.members import service as members
from fitflow.memberships import periods, repository, state
from fitflow.memberships.errors import (
    AlreadyFrozen,
    CancellationScheduled,
    ClassesBookedInFreeze,
    FreezeNotAllowed,
    MembershipNotCurrent,
    MembershipNotFound,
    NotFrozen,
)
from fitflow.memberships.models import Membership, MembershipFreeze
from fitflow.memberships.schemas import FreezeCreate, FreezeRead, MembershipRead
from fitflow.organizations.models import Organization
from fitflow.organizations.permissions import Action, Actor, allowed
from fitflow.organizations.policy import Policy, policy_of
from fitflow.plans.models import DROP_IN_DAYS, Plan
from fitflow.plans.validity import (
    FreezeTooLong,
    check_freeze,
    extend_by_days,
    local_day,
    remaining_freeze_allowance,
    shift_by_days,
    start_of_local_day,
    validity_window,
)

MONTHS = {"month": 1, "year": 12}
SYNC_SUBSCRIPTION = "payments.sync_subscription"
"""The payments job that pushes a subscription's terms to its provider."""


async def grant(
    session: AsyncSession,
    *,
    organization: Organization,
    member_id: uuid.UUID,
    plan: Plan,
    source: Source,
    at: datetime,
    subscription_id: uuid.UUID | None = None,
) -> Membership:
    """The membership (unlimited) or pass (drop-in) that `plan` sells, valid from the
    local day of `at`, or for an unlimited one bought early, from the end of the
    member's current one (locked, so two sales queue). Granting again for the same
    source, even concurrently, returns the first one. `subscription_id` names the
    subscription that paid it and renews it."""
    existing = await repository.for_source(session, organization.id, source)
    if existing is not None:
        return existing
    starts = at
    if plan.kind == "unlimited":
        running = await repository.running_unlimited_for_update(
            session, organization.id, member_id, at
        )
        starts = max([at, *(state.coverage_end(m) for m in running)])
    valid_from, valid_until = validity_window(
        starts,
        timezone=organization.timezone,
        days=None if plan.billing_period else plan.validity_days or DROP_IN_DAYS,
        months=MONTHS.get(plan.billing_period or ""),
    )
    membership = Membership(
        organization_id=organization.id,
        member_id=member_id,
        plan_id=plan.id,
        kind=plan.kind,
        name=plan.name,
        valid_from=valid_from,
        valid_until=valid_until,
        weekly_class_cap=plan.weekly_class_cap,
        class_allowance=1 if plan.kind == "drop_in" else None,
        class_type_ids=plan.class_type_ids,
        source_type=source.kind,
        source_id=source.id,
        subscription_id=subscription_id,
    )
    return await add_once(
        session, membership, lambda: repository.for_source(session, organization.id, source)
    )


async def memberships_of(
    session: AsyncSession,
    actor: Actor,
    organization: Organization,
    *,
    member_id: uuid.UUID | None,
    params: PageParams,
) -> Page[MembershipRead]:
    """A member's memberships, newest first: the caller's own when `member_id` is None;
    staff may read anyone's, a member only their own (another's answers 404)."""
    target = await members.readable_member_id(session, actor, member_id)
    rows, cursor = await repository.page_of_member(session, organization.id, target, params)
    found = [row[0] for row in rows]
    freezes = await repository.freezes_of(session, (m.id for m in found))
    now, policy, timezone = time.now(), policy_of(organization.policy), organization.timezone
    items = [_read(m, freezes.get(m.id, []), policy, timezone, now) for m in found]
    return Page(items=items, next_cursor=cursor)


async def freeze(
    session: AsyncSession,
    actor: Actor,
    organization: Organization,
    membership_id: uuid.UUID,
    body: FreezeCreate,
) -> MembershipRead:
    """Pause a membership for some local days, pushing its end back by as many, within
    the studio's cap on freeze days (staff, or the member where policy allows)."""
    policy = policy_of(organization.policy)
    membership, freezes = await _for_change(
        session, actor, membership_id, member_may=policy.members_can_freeze
    )
    now, timezone = time.now(), organization.timezone
    today = local_day(now, timezone)
    _require_current(membership, freezes, now, timezone)
    if membership.cancel_at is not None:
        raise CancellationScheduled()
    if state.open_freeze(freezes, today) is not None:
        raise AlreadyFrozen()
    starts_on = body.starts_on or today
    _check_freeze_start(membership, starts_on, today, timezone)
    try:
        check_freeze(body.days, state.freeze_days_used(freezes), policy.max_freeze_days)
    except FreezeTooLong as too_long:
        raise FreezeNotAllowed(
            f"A freeze of {body.days} days is more than the {too_long.allowance} left.",
            data={"requested_days": body.days, "days_left": too_long.allowance},
        ) from too_long
    await _refuse_booked_days(session, membership, starts_on, body.days, timezone)
    added = MembershipFreeze(
        organization_id=organization.id,
        membership_id=membership.id,
        starts_on=starts_on,
        ends_on=starts_on + timedelta(days=body.days),
        actor_user_id=actor.user_id,
    )
    membership.valid_until = extend_by_days(
        membership.valid_until, timezone=timezone, days=body.days
    )
    await periods.save(session, membership, [*freezes, added], now, timezone, added)
    await _push_to_subscription(session, membership)
    await _audit(session, actor, membership, "membership.frozen", starts_on=str(starts_on))
    return _read(membership, [*freezes, added], policy, timezone, now)


async def unfreeze(
    session: AsyncSession, actor: Actor, organization: Organization, membership_id: uuid.UUID
) -> MembershipRead:
    """End the running (or call off the planned) freeze today; the unused days come off
    the membership's end again."""
    policy = policy_of(organization.policy)
    membership, freezes = await _for_change(
        session, actor, membership_id, member_may=policy.members_can_freeze
    )
    now, timezone = time.now(), organization.timezone
    today = local_day(now, timezone)
    running = state.open_freeze(freezes, today)
    if running is None:
        raise NotFrozen()
    unused = _end_freeze(running, today, now)
    membership.valid_until = shift_by_days(membership.valid_until, timezone=timezone, days=-unused)
    if membership.cancel_at is not None:  # a cancellation at period end follows the end
        membership.cancel_at = min(membership.cancel_at, membership.valid_until)
    await periods.save(session, membership, freezes, now, timezone)
    await _push_to_subscription(session, membership)
    await _audit(session, actor, membership, "membership.unfrozen", days_returned=unused)
    return _read(membership, freezes, policy, timezone, now)


async def cancel(
    session: AsyncSession,
    actor: Actor,
    organization: Organization,
    membership_id: uuid.UUID,
    *,
    at_period_end: bool,
) -> MembershipRead:
    """Cancel now, or at the end of the paid period (staff, or the member where policy
    allows). Cancelling now also ends a running or planned freeze."""
    policy = policy_of(organization.policy)
    membership, freezes = await _for_change(
        session, actor, membership_id, member_may=policy.members_can_cancel
    )
    now, timezone = time.now(), organization.timezone
    _require_current(membership, freezes, now, timezone)
    membership.cancel_requested_at = now
    if at_period_end:
        membership.cancel_at = min(
            membership.cancel_at or membership.valid_until, membership.valid_until
        )
    else:
        membership.cancel_at = now
        running = state.open_freeze(freezes, local_day(now, timezone))
        if running is not None:
            _end_freeze(running, local_day(now, timezone), now)
    await periods.save(session, membership, freezes, now, timezone)
    await _push_to_subscription(session, membership)
    await _audit(
        session,
        actor,
        membership,
        "membership.cancelled",
        at_period_end=at_period_end,
        cancel_at=membership.cancel_at.isoformat(),
    )
    return _read(membership, freezes, policy, timezone, now)


def _read(
    membership: Membership,
    freezes: Sequence[MembershipFreeze],
    policy: Policy,
    timezone: str,
    now: datetime,
) -> MembershipRead:
    """The membership as its owner and staff see it, with its state at `now`."""
    used = state.freeze_days_used(freezes)
    return MembershipRead(
        id=membership.id,
        member_id=membership.member_id,
        plan_id=membership.plan_id,
        kind=membership.kind,
        name=membership.name,
        status=state.status_at(membership, freezes, now, timezone).value,
        valid_from=membership.valid_from,
        valid_until=membership.valid_until,
        cancel_at=membership.cancel_at,
        weekly_class_cap=membership.weekly_class_cap,
        class_allowance=membership.class_allowance,
        classes_used=membership.classes_used,
        class_type_ids=membership.class_type_ids,
        freeze_days_used=used,
        freeze_days_left=remaining_freeze_allowance(used, policy.max_freeze_days),
        freezes=[
            FreezeRead(starts_on=f.starts_on, ends_on=f.ends_on, days=f.days) for f in freezes
        ],
        subscription_id=membership.subscription_id,
        created_at=membership.created_at,
    )


async def _for_change(
    session: AsyncSession, actor: Actor, membership_id: uuid.UUID, *, member_may: bool
) -> tuple[Membership, list[MembershipFreeze]]:
    """The membership locked for a change the actor may make: staff always; its member
    only when the studio's policy lets members do this. Another's answers 404."""
    membership = await repository.by_id(session, actor.organization_id, membership_id, lock=True)
    if membership is None:
        raise MembershipNotFound()
    if not allowed(actor, Action.manage_memberships):
        if not await members.is_own(session, actor, membership.member_id):
            raise MembershipNotFound()
        if not member_may:
            raise PermissionDenied(
                "The studio does not let members do this themselves; ask at the desk.",
                data={"action": Action.manage_memberships.value},
            )
    freezes = await repository.freezes_of_one(session, membership.id)
    return membership, freezes


def _require_current(
    membership: Membership, freezes: Sequence[MembershipFreeze], now: datetime, timezone: str
) -> None:
    if state.status_at(membership, freezes, now, timezone) in (
        state.Status.cancelled,
        state.Status.expired,
    ):
        raise MembershipNotCurrent()


def _check_freeze_start(
    membership: Membership, starts_on: date, today: date, timezone: str
) -> None:
    if starts_on < today:
        raise FreezeNotAllowed("A freeze cannot start in the past.")
    if start_of_local_day(starts_on, timezone) >= membership.valid_until:
        raise FreezeNotAllowed("A freeze must start before the membership ends.")


async def _refuse_booked_days(
    session: AsyncSession, membership: Membership, starts_on: date, days: int, timezone: str
) -> None:
    """A frozen membership pays for nothing, so no class it already paid may fall on a
    frozen day (the membership is locked, so none can be added meanwhile)."""
    start = start_of_local_day(starts_on, timezone)
    end = start_of_local_day(starts_on + timedelta(days=days), timezone)
    booked = await repository.live_uses_between(session, membership.id, start, end)
    if booked:
        raise ClassesBookedInFreeze(data={"booked_classes": booked})


def _end_freeze(freeze: MembershipFreeze, today: date, now: datetime) -> int:
    """End `freeze` as of today (or call it off if it has not started); the days it will
    no longer use."""
    new_end = max(today, freeze.starts_on)
    unused = (freeze.ends_on - new_end).days
    freeze.ends_on = new_end
    freeze.ended_early_at = now
    return unused


async def _push_to_subscription(session: AsyncSession, membership: Membership) -> None:
    """A membership a subscription renews: the provider learns of the change (its end,
    its cancellation) from a job that runs once this transaction commits."""
    if membership.subscription_id is not None:
        await jobs.defer_by_name(
            session, worker.app, SYNC_SUBSCRIPTION, subscription_id=str(membership.subscription_id)
        )


async def _audit(
    session: AsyncSession, actor: Actor, membership: Membership, action: str, **data: object
) -> None:
    await audit.record(
        session,
        action,
        actor_user_id=actor.user_id,
        organization_id=membership.organization_id,
        subject_type="membership",
        subject_id=membership.id,
        data={"member_id": str(membership.member_id), **data},
    )
