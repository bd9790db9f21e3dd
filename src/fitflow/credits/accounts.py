"""The staff and member use cases of the ledger: adjustments with a reason (audited)
and a member's own statement. The writers they use live in `service`."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.audit import service as audit
from fitflow.credits import repository
from fitflow.credits.errors import InvalidAdjustment
from fitflow.credits.schemas import CreditStatement, EntryRead, LotRead
from fitflow.credits.service import grant, take
from fitflow.credits.units import as_credits
from fitflow.kit import time
from fitflow.kit.pagination import PageParams
from fitflow.kit.source import Source
from fitflow.members import service as members
from fitflow.organizations.permissions import Action, Actor, require

LONGEST_EXPIRY = timedelta(days=3660)


async def adjust(
    session: AsyncSession,
    actor: Actor,
    *,
    member_id: uuid.UUID,
    units: int,
    reason: str,
    expires_at: datetime | None = None,
) -> list[EntryRead]:
    """Staff add credits (a new lot) or take them back, with a reason; audited."""
    require(actor, Action.adjust_credits)
    await members.ensure_member(session, actor.organization_id, member_id)
    if expires_at is not None:
        _check_expiry(units, expires_at, time.now())
    source = Source("adjustment", str(uuid.uuid4()))
    organization_id = actor.organization_id
    if units > 0:
        await grant(
            session,
            organization_id=organization_id,
            member_id=member_id,
            units=units,
            source=source,
            expires_at=expires_at,
            kind="adjust",
            reason=reason,
            actor_user_id=actor.user_id,
        )
        entries = list(
            await repository.entries_for_source(session, organization_id, source, "adjust")
        )
    else:
        entries = await take(
            session,
            organization_id=organization_id,
            member_id=member_id,
            units=-units,
            at=time.now(),
            source=source,
            kind="adjust",
            reason=reason,
            actor_user_id=actor.user_id,
        )
    await audit.record(
        session,
        "credits.adjusted",
        actor_user_id=actor.user_id,
        organization_id=actor.organization_id,
        subject_type="member",
        subject_id=member_id,
        data={"units": units, "reason": reason},
    )
    return [EntryRead.model_validate(entry) for entry in entries]


async def statement(session: AsyncSession, actor: Actor, *, params: PageParams) -> CreditStatement:
    """The caller's own balance, lots and entries (newest first) in this studio."""
    member_id = await members.own_member_id(session, actor)
    now = time.now()
    rows, cursor = await repository.entries_page(session, actor.organization_id, member_id, params)
    total = await repository.balance(session, actor.organization_id, member_id, now)
    return CreditStatement(
        balance_units=total,
        balance=as_credits(total),
        lots=[
            LotRead.from_lot(lot, now)
            for lot in await repository.lots_of(session, actor.organization_id, member_id)
        ],
        entries=[EntryRead.model_validate(row[0]) for row in rows],
        next_cursor=cursor,
    )


def _check_expiry(units: int, expires_at: datetime, now: datetime) -> None:
    if units < 0:
        raise InvalidAdjustment()
    if not now < expires_at <= now + LONGEST_EXPIRY:
        raise InvalidAdjustment("An expiry must lie in the future, at most ten years ahead.")
