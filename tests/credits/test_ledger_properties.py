"""Random sequences of grants, charges, refunds, clock moves and expiry runs against the
real ledger on PostgreSQL; after every step the ledger's laws must hold."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from fitflow.auth.models import User
from fitflow.credits import service
from fitflow.credits.allocation import LotState
from fitflow.credits.errors import InsufficientCredits
from fitflow.credits.models import CreditEntry, CreditLot
from fitflow.kit import time
from fitflow.kit.db import sqlalchemy_url
from fitflow.kit.source import Source
from fitflow.members.models import Member
from fitflow.organizations.models import Organization
from fitflow.organizations.policy import Policy

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

grants = st.tuples(
    st.just("grant"),
    st.integers(1, 800),
    st.one_of(st.none(), st.integers(1, 30)),  # expires in days
    st.one_of(st.none(), st.integers(1, 30)),  # or valid for days after first use
)
charges = st.tuples(st.just("charge"), st.integers(1, 400))
refunds = st.tuples(st.just("refund"), st.integers(0, 20), st.integers(0, 100))
moves = st.tuples(st.just("wait"), st.integers(1, 24 * 20))  # hours
expiries = st.tuples(st.just("expire"))
steps = st.lists(st.one_of(grants, charges, refunds, moves, expiries), min_size=1, max_size=25)


@dataclass
class World:
    organization_id: uuid.UUID
    member_id: uuid.UUID
    now: datetime = START
    charges: list[Source] = field(default_factory=list)
    grants: int = 0


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=steps)
def test_the_ledger_laws_hold_after_every_step(
    database_url: str, plan: list[tuple[object, ...]]
) -> None:
    asyncio.run(_play(database_url, plan))


async def _play(database_url: str, plan: list[tuple[object, ...]]) -> None:
    engine = create_async_engine(sqlalchemy_url(database_url), poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            transaction = await connection.begin()
            session = async_sessionmaker(
                bind=connection, join_transaction_mode="create_savepoint"
            )()
            world = await _member(session)
            for step in plan:
                with time.frozen(world.now):
                    await _apply(session, world, step)
                    await _check_laws(session, world)
            await transaction.rollback()
    finally:
        await engine.dispose()


async def _member(session: AsyncSession) -> World:
    organization = Organization(
        slug=f"p-{uuid.uuid4().hex[:10]}",
        name="P",
        timezone="UTC",
        currency="EUR",
        policy=Policy().model_dump(),
    )
    user = User(email=f"{uuid.uuid4().hex}@example.com", full_name="P", password_hash="-")
    session.add_all([organization, user])
    await session.flush()
    member = Member(organization_id=organization.id, user_id=user.id)
    session.add(member)
    await session.flush()
    return World(organization.id, member.id)


async def _apply(session: AsyncSession, world: World, step: tuple[object, ...]) -> None:
    kind, organization_id = step[0], world.organization_id
    if kind == "grant":
        _, units, expires_days, first_use_days = step
        world.grants += 1
        await service.grant(
            session,
            member_id=world.member_id,
            units=int(str(units)),
            source=Source("order", str(world.grants)),
            expires_at=None
            if expires_days is None
            else world.now + timedelta(days=int(str(expires_days))),
            valid_days_after_first_use=None
            if expires_days is not None or first_use_days is None
            else int(str(first_use_days)),
            organization_id=organization_id,
        )
    elif kind == "charge":
        await _charge(session, world, int(str(step[1])))
    elif kind == "refund" and world.charges:
        source = world.charges[int(str(step[1])) % len(world.charges)]
        percent = int(str(step[2]))
        await service.refund(
            session, organization_id=organization_id, source=source, percent=percent
        )
    elif kind == "wait":
        world.now += timedelta(hours=int(str(step[1])))
    elif kind == "expire":
        await service.expire_due(session, at=world.now)


async def _charge(session: AsyncSession, world: World, units: int) -> None:
    before = {lot.id: _state(lot) for lot in await _lots(session, world)}
    source = Source("booking", str(len(world.charges)))
    try:
        entries = await service.take(
            session,
            organization_id=world.organization_id,
            member_id=world.member_id,
            units=units,
            at=world.now,
            source=source,
        )
    except InsufficientCredits:
        usable = sum(s.remaining for s in before.values() if s.usable_at(world.now))
        assert usable < units, "refused although enough credits were valid"
        return
    world.charges.append(source)
    assert -sum(entry.units for entry in entries) == units
    drawn = {entry.lot_id for entry in entries}
    latest_drawn = max(_expiry_rank(before[lot_id], world.now) for lot_id in drawn)
    after = {lot.id: lot.remaining_units for lot in await _lots(session, world)}
    for lot_id, state in before.items():
        if state.usable_at(world.now) and _expiry_rank(state, world.now) < latest_drawn:
            assert after[lot_id] == 0, "a lot expiring sooner kept credits while a later one paid"


def _expiry_rank(state: LotState, at: datetime) -> tuple[bool, datetime]:
    expiry = state.expiry_if_used_at(at)
    return (expiry is None, expiry or state.created_at)


async def _check_laws(session: AsyncSession, world: World) -> None:
    lots = await _lots(session, world)
    for lot in lots:
        ledger = await session.scalar(
            select(func.sum(CreditEntry.units)).where(CreditEntry.lot_id == lot.id)
        )
        assert ledger == lot.remaining_units, "a lot disagrees with its entries"
        assert 0 <= lot.remaining_units <= lot.granted_units
    counting = sum(
        lot.remaining_units for lot in lots if lot.expires_at is None or lot.expires_at > world.now
    )
    balance = await service.balance(
        session, organization_id=world.organization_id, member_id=world.member_id, at=world.now
    )
    assert balance == counting >= 0
    for source in world.charges:
        paid = {e.lot_id for e in await _entries(session, world, source, "consume")}
        refunded = {e.lot_id for e in await _entries(session, world, source, "refund")}
        assert refunded <= paid, "a refund went to a lot that did not pay"


async def _lots(session: AsyncSession, world: World) -> list[CreditLot]:
    rows = await session.scalars(
        select(CreditLot)
        .where(CreditLot.member_id == world.member_id)
        .execution_options(populate_existing=True)
    )
    return list(rows)


async def _entries(
    session: AsyncSession, world: World, source: Source, kind: str
) -> list[CreditEntry]:
    rows = await session.scalars(
        select(CreditEntry).where(
            CreditEntry.member_id == world.member_id,
            CreditEntry.source_type == source.kind,
            CreditEntry.source_id == source.id,
            CreditEntry.kind == kind,
        )
    )
    return list(rows)


def _state(lot: CreditLot) -> LotState:
    return LotState(
        lot.id, lot.remaining_units, lot.expires_at, lot.valid_days_after_first_use, lot.created_at
    )
