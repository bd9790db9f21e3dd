"""Member use cases: join a studio, find members, read and update a profile."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.audit import service as audit
from fitflow.auth.models import User
from fitflow.kit import time
from fitflow.kit.pagination import Page, PageParams
from fitflow.members import repository
from fitflow.members.errors import AlreadyMember, MemberNotFound
from fitflow.members.models import Member
from fitflow.members.schemas import MemberRead, MemberStaffRead, MemberUpdate
from fitflow.organizations.permissions import Action, Actor, allowed, require


def _fields(member: Member, user: User) -> dict[str, Any]:
    return {
        "id": member.id,
        "user_id": user.id,
        "email": user.email,
        "full_name": user.full_name,
        "status": member.status,
        "phone": member.phone,
        "date_of_birth": member.date_of_birth,
        "emergency_contact": member.emergency_contact,
        "joined_at": member.created_at,
    }


def _as_seen_by_member(member: Member, user: User) -> MemberRead:
    return MemberRead(**_fields(member, user))


def _as_seen_by_staff(member: Member, user: User) -> MemberStaffRead:
    return MemberStaffRead(
        **_fields(member, user), notes=member.notes, payment_disputed_at=member.payment_disputed_at
    )


async def join(session: AsyncSession, user: User, organization_id: uuid.UUID) -> MemberRead:
    """Make the user a client of the studio."""
    if await repository.by_user(session, organization_id, user.id) is not None:
        raise AlreadyMember()
    member = Member(organization_id=organization_id, user_id=user.id)
    try:
        async with session.begin_nested():
            await repository.add(session, member)
    except IntegrityError as exc:  # a concurrent join of the same user won
        raise AlreadyMember() from exc
    await audit.record(
        session,
        "member.joined",
        actor_user_id=user.id,
        organization_id=organization_id,
        subject_type="member",
        subject_id=member.id,
    )
    return _as_seen_by_member(member, user)


async def list_members(
    session: AsyncSession,
    actor: Actor,
    *,
    params: PageParams,
    search: str | None = None,
    status: str | None = None,
) -> Page[MemberStaffRead]:
    """The studio's members for staff, searchable by name or email."""
    require(actor, Action.list_members)
    rows, cursor = await repository.page(
        session, actor.organization_id, params=params, search=search, status=status
    )
    items = [_as_seen_by_staff(member, user) for member, user in rows]
    return Page[MemberStaffRead](items=items, next_cursor=cursor)


async def get_member(session: AsyncSession, actor: Actor, member_id: uuid.UUID) -> MemberRead:
    """Staff see any member (with notes); a member sees only themself."""
    found = await repository.with_user(session, actor.organization_id, member_id)
    if found is None:
        raise MemberNotFound()
    member, user = found
    if allowed(actor, Action.view_any_member):
        return _as_seen_by_staff(member, user)
    if actor.user_id != user.id:
        raise MemberNotFound()
    return _as_seen_by_member(member, user)


async def update_member(
    session: AsyncSession, actor: Actor, member_id: uuid.UUID, update: MemberUpdate
) -> MemberStaffRead:
    require(actor, Action.update_member)
    found = await repository.with_user(session, actor.organization_id, member_id)
    if found is None:
        raise MemberNotFound()
    member, user = found
    changes = update.model_dump(exclude_unset=True)
    for field, value in changes.items():
        setattr(member, field, value)
    await session.flush()
    if not changes:
        return _as_seen_by_staff(member, user)
    await audit.record(
        session,
        "member.updated",
        actor_user_id=actor.user_id,
        organization_id=actor.organization_id,
        subject_type="member",
        subject_id=member.id,
        data={"fields": sorted(changes)},
    )
    return _as_seen_by_staff(member, user)


async def organization_ids_of(session: AsyncSession, user_id: uuid.UUID) -> list[uuid.UUID]:
    """Studios where the user is an active member."""
    return await repository.organization_ids_of_user(session, user_id)


async def ensure_member(
    session: AsyncSession, organization_id: uuid.UUID, member_id: uuid.UUID
) -> None:
    """Refuse an id that is not a member of this studio (404, whichever studio it is)."""
    if await repository.with_user(session, organization_id, member_id) is None:
        raise MemberNotFound()


async def own_member_id(session: AsyncSession, actor: Actor) -> uuid.UUID:
    """The caller's own member record in the studio; 404 for someone who is not one."""
    member = (
        await repository.by_user(session, actor.organization_id, actor.user_id)
        if actor.user_id
        else None
    )
    if member is None:
        raise MemberNotFound()
    return member.id


async def is_own(session: AsyncSession, actor: Actor, member_id: uuid.UUID) -> bool:
    """Whether the caller is this member of the studio (False for anyone who is none)."""
    try:
        return await own_member_id(session, actor) == member_id
    except MemberNotFound:
        return False


async def readable_member_id(
    session: AsyncSession, actor: Actor, member_id: uuid.UUID | None
) -> uuid.UUID:
    """The member whose records (memberships, subscriptions) the caller asks for: their
    own when `member_id` is None; anyone's for staff who view members; 404
    `member_not_found` for a member asking for another's, or for a stranger."""
    try:
        own: uuid.UUID | None = await own_member_id(session, actor)
    except MemberNotFound:
        own = None
    target = member_id or own
    if target is None:
        raise MemberNotFound()
    if target != own:
        if not allowed(actor, Action.view_any_member):
            raise MemberNotFound()
        await ensure_member(session, actor.organization_id, target)
    return target


async def email_of(
    session: AsyncSession, organization_id: uuid.UUID, member_id: uuid.UUID
) -> str | None:
    """Where to write to a member, for notices."""
    found = await repository.with_user(session, organization_id, member_id)
    return found[1].email if found else None


async def note_payment_dispute(
    session: AsyncSession, organization_id: uuid.UUID, member_id: uuid.UUID
) -> None:
    """Flag the member for staff: one of their payments is disputed."""
    found = await repository.with_user(session, organization_id, member_id)
    if found is not None:
        found[0].payment_disputed_at = time.now()
        await session.flush()
