"""The demo studio's catalog and what its members hold: class types and rooms; a
monthly unlimited plan, a 10-class pack, a drop-in and an intro week; peak pricing on
weekday evenings; members holding each kind, sold at the desk. Each part is seeded once,
when the studio has none of it yet."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import time
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.classes import service as classes
from fitflow.classes.schemas import ClassTypeCreate, LocationCreate
from fitflow.kit.pagination import PageParams
from fitflow.organizations import service as organizations
from fitflow.organizations.models import Organization
from fitflow.organizations.permissions import Actor, Role
from fitflow.organizations.policy import PolicyUpdate, PricingTier
from fitflow.organizations.schemas import OrganizationUpdate
from fitflow.payments import refunds
from fitflow.payments import service as payments
from fitflow.payments.schemas import DeskOrderCreate, RefundCreate
from fitflow.plans import service as plans
from fitflow.plans.schemas import (
    ClassPackPlanCreate,
    DropInPlanCreate,
    PlanCreate,
    UnlimitedPlanCreate,
)

CATALOG: list[PlanCreate] = [
    UnlimitedPlanCreate(
        kind="unlimited", name="Monthly unlimited", price_minor=8900, billing_period="month"
    ),
    ClassPackPlanCreate(
        kind="class_pack", name="10-class pack", price_minor=12000, credits=10, validity_days=90
    ),
    DropInPlanCreate(
        kind="drop_in", name="Drop-in class", price_minor=1800, non_member_price_minor=2500
    ),
    UnlimitedPlanCreate(
        kind="unlimited",
        name="Intro week",
        price_minor=2900,
        validity_days=7,
        weekly_class_cap=5,
        intro_offer=True,
    ),
]
PEAK = PricingTier(
    name="Weekday evening peak",
    weekdays=["mon", "tue", "wed", "thu", "fri"],
    starts=time(17, 0),
    ends=time(21, 0),
    credit_percent=150,
)
# Which plan (by position in CATALOG) the demo members bought, in member order.
HOLDINGS = [0] * 8 + [1] * 8 + [2] * 3 + [3] * 2
CLASS_TYPES = [
    ClassTypeCreate(
        name="Vinyasa yoga", duration_minutes=60, default_capacity=20, colour="#2a9d8f"
    ),
    ClassTypeCreate(name="Spin", duration_minutes=45, default_capacity=16, colour="#e76f51"),
    ClassTypeCreate(
        name="HIIT express",
        duration_minutes=30,
        default_capacity=12,
        credit_cost=Decimal("0.5"),
        colour="#f4a261",
    ),
    ClassTypeCreate(
        name="Personal training",
        duration_minutes=60,
        default_capacity=1,
        credit_cost=Decimal(3),
        appointment=True,
        colour="#264653",
    ),
]
ROOMS = [
    LocationCreate(name="Studio 1", address="Ground floor", capacity=24),
    LocationCreate(name="Spin room", address="First floor", capacity=16),
]


async def seed_schedule_catalog(session: AsyncSession, owner: Actor, studio: Organization) -> None:
    """Class types and rooms, unless the studio has class types already."""
    existing = await classes.class_types(session, studio.id, params=PageParams(limit=1))
    if existing.items:
        return
    for class_type in CLASS_TYPES:
        await classes.create_class_type(session, owner, class_type)
    for room in ROOMS:
        await classes.create_location(session, owner, room)


async def seed_catalog(
    session: AsyncSession,
    owner: Actor,
    desk: Actor,
    studio: Organization,
    member_ids: Sequence[uuid.UUID],
) -> None:
    """Plans, peak pricing, desk sales to the first members (each with its invoice) and
    one partial refund with its credit note, unless plans exist."""
    existing = await plans.plans_on_sale(session, studio.id, params=PageParams(limit=1))
    if existing.items:
        return
    await organizations.update_organization(
        session,
        owner,
        studio,
        OrganizationUpdate(policy=PolicyUpdate(pricing_tiers=[PEAK], members_can_freeze=True)),
    )
    created = [await plans.create_plan(session, owner, studio, plan) for plan in CATALOG]
    sold = [
        await payments.sell_at_desk(
            session,
            desk,
            studio,
            DeskOrderCreate(member_id=member_id, plan_id=created[index].id, method="card_terminal"),
        )
        for member_id, index in zip(member_ids, HOLDINGS, strict=False)
    ]
    pack = next(order for order in sold if order.plan_kind == "class_pack")
    await refunds.refund_order(
        session,
        owner,
        studio,
        pack.id,
        RefundCreate(
            amount_minor=pack.amount_minor // 5, reason="Two classes missed through injury"
        ),
    )


def desk_actor(user_id: uuid.UUID, studio_id: uuid.UUID) -> Actor:
    return Actor(user_id, studio_id, frozenset({Role.receptionist}))


def holdings_summary() -> list[str]:
    """Which demo members hold what, for the banner: `member01-member08  Monthly unlimited`."""
    lines, start = [], 0
    for index, plan in enumerate(CATALOG):
        count = HOLDINGS.count(index)
        first, last = start + 1, start + count
        lines.append(f"member{first:02d}-member{last:02d}  {plan.name}")
        start = last
    return lines
