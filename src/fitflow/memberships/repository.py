"""Every query of the memberships domain."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.kit.db import locking
from fitflow.kit.pagination import PageParams, keyset_page
from fitflow.kit.source import Source, written_for
from fitflow.memberships.models import Membership, MembershipFreeze


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
) -> Sequence[Membership]:
    """The member's memberships whose window holds `at`, locked in id order when asked
    (so two charges against one membership queue); freezes and class types are checked
    by the caller."""
    query = (
        select(Membership)
        .where(
            Membership.organization_id == organization_id,
            Membership.member_id == member_id,
            Membership.valid_from <= at,
            Membership.valid_until > at,
            or_(Membership.cancel_at.is_(None), Membership.cancel_at > at),
        )
        .order_by(Membership.id)
    )
    return (await session.scalars(locking(query, lock))).all()


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
            Membership.valid_until > at,
            or_(Membership.cancel_at.is_(None), Membership.cancel_at > at),
        )
        .limit(1)
    )
    return found is not None


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
    """Live memberships ending before `horizon` whose member has not been warned yet."""
    return (
        await session.scalars(
            select(Membership)
            .where(
                Membership.expiry_warned_at.is_(None),
                Membership.kind == "unlimited",
                Membership.valid_until > at,
                Membership.valid_until <= horizon,
                or_(Membership.cancel_at.is_(None), Membership.cancel_at > at),
            )
            .order_by(Membership.valid_until)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
    ).all()


async def set_status(session: AsyncSession, membership_id: uuid.UUID, status: str) -> None:
    await session.execute(
        update(Membership).where(Membership.id == membership_id).values(status=status)
    )
