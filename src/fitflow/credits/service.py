"""The ledger's writers, which other domains call: `grant`, `take`, `refund` and
`revoke_grant` run inside the caller's transaction (an order, a booking) and are
idempotent per source. Staff adjustments and statements are in `accounts`."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.credits import repository
from fitflow.credits.allocation import LotState, NotEnoughCredits, allocate
from fitflow.credits.errors import InsufficientCredits
from fitflow.credits.models import CreditEntry, CreditLot
from fitflow.credits.units import percent_of
from fitflow.kit import time
from fitflow.kit.source import Source, add_once
from fitflow.plans.validity import validity_window

TAKING_KINDS = ("consume", "forfeit", "adjust")
T = TypeVar("T", CreditLot, CreditEntry)
OWED_TO_REFUND = "taken back: the money for these credits was refunded"


async def grant(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    member_id: uuid.UUID,
    units: int,
    source: Source,
    expires_at: datetime | None = None,
    valid_days_after_first_use: int | None = None,
    class_type_ids: list[uuid.UUID] | None = None,
    reason: str | None = None,
    actor_user_id: uuid.UUID | None = None,
    kind: str = "grant",
) -> CreditLot:
    """A new lot of `units` (paying only for `class_type_ids` when given); granting again
    for the same source, even concurrently, returns the first lot."""
    existing = await repository.lot_for_source(session, organization_id, source)
    if existing is not None:
        return _same_member(existing, member_id)
    lot = CreditLot(
        organization_id=organization_id,
        member_id=member_id,
        granted_units=units,
        remaining_units=units,
        expires_at=expires_at,
        valid_days_after_first_use=valid_days_after_first_use,
        class_type_ids=class_type_ids,
        source_type=source.kind,
        source_id=source.id,
    )
    added = await add_once(
        session, lot, lambda: repository.lot_for_source(session, organization_id, source)
    )
    if added is not lot:  # a concurrent grant for this source committed first
        return _same_member(added, member_id)
    await repository.add(
        session, _entry(lot, kind, units, source, reason=reason, actor_user_id=actor_user_id)
    )
    return lot


async def take(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    member_id: uuid.UUID,
    units: int,
    at: datetime,
    source: Source,
    kind: str = "consume",
    class_type_id: uuid.UUID | None = None,
    timezone: str | None = None,
    reason: str | None = None,
    actor_user_id: uuid.UUID | None = None,
) -> list[CreditEntry]:
    """Draw `units` from the lots valid at `at` (and, for a class, paying for its type),
    first-expiring first, all or nothing. A pack that starts on first use then runs to
    local midnight after its last day in the studio's `timezone` (whole 24-hour days
    without one). Takes the member's credit lock, then locks their lots with credit
    left, so concurrent charges cannot overdraw."""
    if kind not in TAKING_KINDS:
        raise ValueError(f"{kind} does not take credits")
    await repository.lock_member_credits(session, member_id)
    lots = [
        lot
        for lot in await repository.lots_with_credit_for_update(session, organization_id, member_id)
        if kind != "consume" or _pays_for(lot, class_type_id)
    ]
    done = await repository.entries_for_source(session, organization_id, source, kind)
    if done:  # looked at after the lock, so a concurrent charge for this source is seen
        return [_same_member(entry, member_id) for entry in done]
    try:
        plan = allocate([_state(lot) for lot in lots], units, at)
    except NotEnoughCredits as short:
        raise InsufficientCredits(
            data={"needed_units": short.needed, "available_units": short.available}
        ) from short
    by_id = {lot.id: lot for lot in lots}
    entries = []
    for lot_id, share in plan:
        lot = by_id[lot_id]
        validity = lot.valid_days_after_first_use
        if kind == "consume" and validity is not None and lot.expires_at is None:
            lot.expires_at = _first_use_expiry(at, validity, timezone)
        lot.remaining_units -= share
        entries.append(
            _entry(lot, kind, -share, source, reason=reason, actor_user_id=actor_user_id)
        )
    await repository.add(session, *entries)
    return entries


async def refund(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    source: Source,
    percent: int,
    reason: str | None = None,
    actor_user_id: uuid.UUID | None = None,
) -> list[CreditEntry]:
    """Give back `percent` of what `source` consumed, each share to the lot that paid it.
    A share for a lot already expired is recorded as expiring at once, so the lot stays
    closed; a share for a lot whose money was refunded first settles what that refund
    could not take back. Locks those lots; idempotent."""
    consumed = await repository.entries_for_source(session, organization_id, source, "consume")
    if not consumed:
        return []
    await repository.lock_member_credits(session, consumed[0].member_id)
    lots = await repository.lots_for_update(session, (entry.lot_id for entry in consumed))
    done = await repository.entries_for_source(session, organization_id, source, "refund")
    if done:  # looked at after the lock, so a concurrent refund of this source is seen
        return list(done)
    now, refunds, closings = time.now(), [], []
    for entry, back in _refund_shares(consumed, percent):
        lot = lots[entry.lot_id]
        refunds.append(
            _entry(lot, "refund", back, source, reason=reason, actor_user_id=actor_user_id)
        )
        if lot.expires_at is not None and lot.expires_at <= now:
            closings.append(_entry(lot, "expire", -back, source))
            continue
        settled = min(back, lot.owed_units)
        lot.owed_units -= settled
        lot.remaining_units += back - settled
        if settled:
            closings.append(_entry(lot, "adjust", -settled, source, reason=OWED_TO_REFUND))
    await repository.add(session, *refunds, *closings)
    return refunds


async def revoke_grant(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    granted_by: Source,
    units: int,
    source: Source,
    reason: str,
    actor_user_id: uuid.UUID | None = None,
) -> int:
    """Take back up to `units` of what `granted_by` granted, from that very lot and only
    what it still holds; what is in use is owed, and taken when a booking refunds it to
    the lot (expired credits never come back anyway). Locks the lot; idempotent per
    `source`. Returns the units taken now."""
    lot = await repository.lot_for_source(session, organization_id, granted_by)
    if lot is None:
        return 0
    await repository.lock_member_credits(session, lot.member_id)
    lot = (await repository.lots_for_update(session, [lot.id]))[lot.id]
    done = await repository.entries_for_source(session, organization_id, source, "adjust")
    if done:
        return -sum(entry.units for entry in done)
    counting = lot.expires_at is None or lot.expires_at > time.now()
    taken = min(units, lot.remaining_units) if counting else 0
    if counting:
        lot.owed_units += units - taken
    if taken > 0:
        lot.remaining_units -= taken
        await repository.add(
            session,
            _entry(lot, "adjust", -taken, source, reason=reason, actor_user_id=actor_user_id),
        )
    return taken


async def granted_units(
    session: AsyncSession, *, organization_id: uuid.UUID, granted_by: Source
) -> int:
    """How many units the lot `granted_by` granted (0 if it granted none)."""
    lot = await repository.lot_for_source(session, organization_id, granted_by)
    return lot.granted_units if lot is not None else 0


async def was_untouched(
    session: AsyncSession, *, organization_id: uuid.UUID, granted_by: Source, revoked: int
) -> bool:
    """Whether the lot `granted_by` granted held all of it before `revoke_grant` took
    `revoked` back from it (read after that call, which locked the lot)."""
    lot = await repository.lot_for_source(session, organization_id, granted_by)
    return lot is not None and revoked + lot.remaining_units == lot.granted_units


def _refund_shares(consumed: Sequence[CreditEntry], percent: int) -> list[tuple[CreditEntry, int]]:
    """`percent` of the whole charge, rounded down once, spread over the lots that paid in
    the order they paid, never more than each paid."""
    owed = percent_of(-sum(entry.units for entry in consumed), percent)
    shares = []
    for entry in consumed:
        back = min(-entry.units, owed)
        if back > 0:
            shares.append((entry, back))
        owed -= back
    return shares


async def expire_due(session: AsyncSession, *, at: datetime, batch: int = 500) -> int:
    """Write the expiry of lots past their date that still hold credits. Balances never
    wait for this: an expired lot stops counting at its expiry instant."""
    lots = await repository.expired_with_credit(session, at, batch)
    entries = []
    for lot in lots:
        source = Source("expiry", str(uuid.uuid4()))  # a lot may expire again after a refund
        entries.append(
            _entry(
                lot,
                "expire",
                -lot.remaining_units,
                source,
            )
        )
        lot.remaining_units = 0
    await repository.add(session, *entries)
    return len(entries)


async def balance(
    session: AsyncSession, *, organization_id: uuid.UUID, member_id: uuid.UUID, at: datetime
) -> int:
    return await repository.balance(session, organization_id, member_id, at)


async def available_for_class(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    member_id: uuid.UUID,
    at: datetime,
    class_type_id: uuid.UUID | None,
) -> int:
    """Units that could pay for a class of this type starting at `at` (no lock taken)."""
    lots = await repository.lots_of(session, organization_id, member_id)
    return sum(
        lot.remaining_units
        for lot in lots
        if _pays_for(lot, class_type_id) and _state(lot).usable_at(at)
    )


def _same_member(row: T, member_id: uuid.UUID) -> T:
    """A source already written for another member is a caller's mistake, never a match."""
    if row.member_id != member_id:
        raise ValueError("this source was already used for another member")
    return row


def _first_use_expiry(at: datetime, days: int, timezone: str | None) -> datetime:
    """First use starts the clock: `days` local days from the day of `at`."""
    if timezone is None:
        return at + timedelta(days=days)
    return validity_window(at, timezone=timezone, days=days)[1]


def _pays_for(lot: CreditLot, class_type_id: uuid.UUID | None) -> bool:
    """Unrestricted lots pay for any class; restricted ones only for their class types."""
    return lot.class_type_ids is None or class_type_id in lot.class_type_ids


def _state(lot: CreditLot) -> LotState:
    return LotState(
        lot.id, lot.remaining_units, lot.expires_at, lot.valid_days_after_first_use, lot.created_at
    )


def _entry(
    lot: CreditLot,
    kind: str,
    units: int,
    source: Source,
    *,
    reason: str | None = None,
    actor_user_id: uuid.UUID | None = None,
) -> CreditEntry:
    return CreditEntry(
        organization_id=lot.organization_id,
        member_id=lot.member_id,
        lot_id=lot.id,
        kind=kind,
        units=units,
        reason=reason,
        actor_user_id=actor_user_id,
        source_type=source.kind,
        source_id=source.id,
    )
