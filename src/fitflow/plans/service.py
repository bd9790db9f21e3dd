"""Plan catalog use cases: list, create and archive what a studio sells."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.audit import service as audit
from fitflow.classes import service as classes
from fitflow.kit import time
from fitflow.kit.pagination import Page, PageParams
from fitflow.organizations.models import Organization
from fitflow.organizations.permissions import Action, Actor, require
from fitflow.plans import repository
from fitflow.plans.errors import PlanNotFound
from fitflow.plans.models import Plan
from fitflow.plans.schemas import (
    ClassPackPlanCreate,
    DropInPlanCreate,
    PlanCreate,
    PlanRead,
    UnlimitedPlanCreate,
    credit_units,
)


async def plans_on_sale(
    session: AsyncSession, organization_id: uuid.UUID, *, params: PageParams
) -> Page[PlanRead]:
    """What the studio sells now, for anyone: archived plans are left out."""
    rows, cursor = await repository.on_sale(session, organization_id, params=params)
    return Page(items=[PlanRead.of(row[0]) for row in rows], next_cursor=cursor)


async def create_plan(
    session: AsyncSession, actor: Actor, organization: Organization, body: PlanCreate
) -> PlanRead:
    """A new plan, priced in the studio's currency (admin+)."""
    require(actor, Action.manage_plans)
    await classes.ensure_class_types(session, organization.id, body.class_type_ids)
    plan = Plan(
        organization_id=organization.id,
        currency=organization.currency,
        **body.model_dump(exclude={"credits"}),
        **_kind_fields(body),
    )
    await repository.add(session, plan)
    await audit.record(
        session,
        "plan.created",
        actor_user_id=actor.user_id,
        organization_id=organization.id,
        subject_type="plan",
        subject_id=plan.id,
        data={"kind": plan.kind, "price_minor": plan.price_minor},
    )
    return PlanRead.of(plan)


def _kind_fields(body: PlanCreate) -> dict[str, object]:
    if isinstance(body, ClassPackPlanCreate):
        return {"credit_units": credit_units(body)}
    if isinstance(body, UnlimitedPlanCreate | DropInPlanCreate):
        return {}
    raise TypeError(body)


async def archive_plan(session: AsyncSession, actor: Actor, plan_id: uuid.UUID) -> PlanRead:
    """Stop selling a plan; what was sold from it keeps working (admin+). Idempotent."""
    require(actor, Action.manage_plans)
    plan = await repository.by_id(session, actor.organization_id, plan_id)
    if plan is None:
        raise PlanNotFound()
    if plan.archived_at is None:
        plan.archived_at = time.now()
        await session.flush()
        await audit.record(
            session,
            "plan.archived",
            actor_user_id=actor.user_id,
            organization_id=actor.organization_id,
            subject_type="plan",
            subject_id=plan.id,
        )
    return PlanRead.of(plan)


async def plan_by_id(session: AsyncSession, organization_id: uuid.UUID, plan_id: uuid.UUID) -> Plan:
    """A plan of this studio, archived or not; 404 otherwise."""
    plan = await repository.by_id(session, organization_id, plan_id)
    if plan is None:
        raise PlanNotFound()
    return plan


async def drop_in_for(
    session: AsyncSession, organization_id: uuid.UUID, class_type_id: uuid.UUID | None
) -> Plan | None:
    """The cheapest drop-in on sale that pays for this class type."""
    for plan in await repository.drop_ins_on_sale(session, organization_id):
        if plan.class_type_ids is None or class_type_id in plan.class_type_ids:
            return plan
    return None


def price_for(plan: Plan, *, holds_membership: bool) -> int:
    """What a person pays for the plan: the non-member price, where the plan has one,
    for someone who holds no membership."""
    if holds_membership or plan.non_member_price_minor is None:
        return plan.price_minor
    return plan.non_member_price_minor
