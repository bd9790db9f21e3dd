"""Who may act for a trainer: admins for anyone, a trainer for themself."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.kit.errors import PermissionDenied
from fitflow.organizations import service as organizations
from fitflow.organizations.permissions import Action, Actor, allowed


async def acts_for(session: AsyncSession, actor: Actor, trainer_id: uuid.UUID | None) -> bool:
    """Admin+ act for every trainer; a trainer (or anyone who schedules) for themself."""
    if allowed(actor, Action.manage_schedule):
        return True
    if trainer_id is None or not allowed(actor, Action.schedule_sessions):
        return False
    return await organizations.own_staff_id(session, actor) == trainer_id


async def require_acts_for(
    session: AsyncSession, actor: Actor, trainer_id: uuid.UUID | None
) -> None:
    if not await acts_for(session, actor, trainer_id):
        raise PermissionDenied(data={"action": Action.manage_schedule.value})
