"""Every query of the memberships domain."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from fitflow.entitlements.models import Charge
from fitflow.kit.db import locking
from fitflow.kit.pagination import PageParams, keyset_page
from fitflow.kit.source import Source, written_for
from fitflow.memberships.models import Membership, MembershipFreeze


def _running_at(at: datetime) -> list[ColumnElement[bool]]:
    """Not ended by `at`: neither past its end nor cancelled by then."""
    return [
        Membership.valid_until > at,
        or_(Membership.cancel_at.is_(None), Membership.cancel_at > at),
    ]


async def add(session: AsyncSession, *rows: Membership | MembershipFreeze) -> None:
    session.add_all(rows)
    await session.flush()


async def by_id(
    session: AsyncSession, organization_id: uuid.UUID, membership_id: uuid.UUID, *, lock: bool
) -> Membership | None:
    query = select(Membership).where(
        Membership.organization_id == organization_id, Membership.id == membership_id
    )
    membership: Membership | None = await session.scalar(locking(query, lock))
    return membership


async def for_source(
    session: AsyncSession, organization_id: uuid.UUID, source: Source
) -> Membership | None:
    membership: Membership | None = await session.scalar(
        written_for(Membership, organization_id, source)
    )
    return membership


async def page_of_member(
    session: AsyncSession, organization_id: uuid.UUID, member_id: uuid.UUID, params: PageParams
) -> tuple[list[Any], str | None]:
    """A member's memberships, newest first."""
    query = select(Membership).where(
        Membership.organization_id == organization_id, Membership.member_id == member_id
    )
    return await keyset_page(
        session, query, key=(Membership.created_at, Membership.id), params=params, newest_first=True
    )


async def covering_candidates(
    session: AsyncSession,
    organization_id: uuid.UUID,
    member_id: uuid.UUID,
    at: datetime,
    *,
    lock: bool,
) -> Sequence[Row[Membership, bool]]:
    """The member's memberships whose window holds `at`, locked in id order when asked
    (so two charges against one membership queue), each with whether it has any freeze
    (so a caller reads freezes only for those); freezes and class types are checked by
    the caller."""
    has_freezes = (
        select(MembershipFreeze.id)
        .where(MembershipFreeze.membership_id == Membership.id)
        .exists()
        .label("has_freezes")
    )
    query = (
        select(Membership, has_freezes)
        .where(
            Membership.organization_id == organization_id,
            Membership.member_id == member_id,
            Membership.valid_from <= at,
            *_running_at(at),
        )
        .order_by(Membership.id)
    )
    return (await session.execute(locking(query, lock))).all()


async def has_current(
    session: AsyncSession, organization_id: uuid.UUID, member_id: uuid.UUID, at: datetime
) -> bool:
    """Whether the member holds an unlimited membership covering `at`."""
    found = await session.scalar(
        select(Membership.id)
        .where(
            Membership.organization_id == organization_id,
            Membership.member_id == member_id,
            Membership.kind == "unlimited",
            Membership.valid_from <= at,
            *_running_at(at),
        )
        .limit(1)
    )
    return found is not None


async def running_unlimited_for_update(
    session: AsyncSession, organization_id: uuid.UUID, member_id: uuid.UUID, at: datetime
) -> Sequence[Membership]:
    """The member's unlimited memberships not ended by `at`, locked in id order, so two
    sales to one member queue."""
    query = (
        select(Membership)
        .where(
            Membership.organization_id == organization_id,
            Membership.member_id == member_id,
            Membership.kind == "unlimited",
            *_running_at(at),
        )
        .order_by(Membership.id)
    )
    return (await session.scalars(locking(query))).all()


async def latest_of_subscription(
    session: AsyncSession, organization_id: uuid.UUID, subscription_id: uuid.UUID
) -> Membership | None:
    query = (
        select(Membership)
        .where(
            Membership.organization_id == organization_id,
            Membership.subscription_id == subscription_id,
        )
        .order_by(Membership.valid_from.desc(), Membership.id.desc())
        .limit(1)
    )
    membership: Membership | None = await session.scalar(locking(query))
    return membership


async def freezes_of(
    session: AsyncSession, membership_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[MembershipFreeze]]:
    rows = await session.scalars(
        select(MembershipFreeze)
        .where(MembershipFreeze.membership_id.in_(list(membership_ids)))
        .order_by(MembershipFreeze.starts_on)
    )
    found: dict[uuid.UUID, list[MembershipFreeze]] = {}
    for freeze in rows:
        found.setdefault(freeze.membership_id, []).append(freeze)
    return found


async def freezes_of_one(session: AsyncSession, membership_id: uuid.UUID) -> list[MembershipFreeze]:
    return (await freezes_of(session, [membership_id])).get(membership_id, [])


async def ended_but_marked_live(
    session: AsyncSession, at: datetime, batch: int
) -> Sequence[Membership]:
    """Memberships whose end has passed but whose recorded status still says otherwise."""
    return (
        await session.scalars(
            select(Membership)
            .where(
                Membership.status.in_(("active", "frozen")),
                or_(Membership.valid_until <= at, Membership.cancel_at <= at),
            )
            .order_by(Membership.valid_until)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
    ).all()


async def ending_soon_unwarned(
    session: AsyncSession, at: datetime, horizon: datetime, batch: int
) -> Sequence[Membership]:
    """Unlimited memberships ending by `horizon` whose member has not been warned, has
    not cancelled (they know) and has not renewed (a later one takes over)."""
    renewal = aliased(Membership)
    renewed = (
        select(renewal.id)
        .where(
            renewal.member_id == Membership.member_id,
            renewal.kind == "unlimited",
            renewal.cancel_at.is_(None),
            renewal.valid_until > Membership.valid_until,
        )
        .exists()
    )
    return (
        await session.scalars(
            select(Membership)
            .where(
                Membership.expiry_warned_at.is_(None),
                Membership.kind == "unlimited",
                Membership.cancel_at.is_(None),
                Membership.valid_until > at,
                Membership.valid_until <= horizon,
                ~renewed,
            )
            .order_by(Membership.valid_until)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
    ).all()


async def live_uses_between(
    session: AsyncSession, membership_id: uuid.UUID, start: datetime, end: datetime
) -> int:
    """Classes starting in `[start, end)` paid by the membership and not given back."""
    count = await session.scalar(
        select(func.count()).where(
            Charge.membership_id == membership_id,
            Charge.released_at.is_(None),
            Charge.session_starts_at >= start,
            Charge.session_starts_at < end,
        )
    )
    return int(count or 0)
