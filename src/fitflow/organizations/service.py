"""Studio use cases: create, read and update a studio and its policy, manage staff."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.audit import service as audit
from fitflow.auth import service as auth
from fitflow.auth.models import User
from fitflow.kit.pagination import Page, PageParams
from fitflow.members import service as members
from fitflow.organizations import repository
from fitflow.organizations.errors import (
    AlreadyStaff,
    LastOwner,
    RoleNotAssignable,
    SlugTaken,
    StaffNotFound,
    UnknownUser,
)
from fitflow.organizations.models import Organization, StaffMember
from fitflow.organizations.permissions import Action, Actor, Role, may_assign, require
from fitflow.organizations.policy import Policy, merged, policy_of, stored_form
from fitflow.organizations.schemas import (
    MeRead,
    OrganizationCreate,
    OrganizationRead,
    OrganizationRef,
    OrganizationUpdate,
    StaffRead,
    StudioRoles,
)


async def create_organization(
    session: AsyncSession, user: User, data: OrganizationCreate
) -> OrganizationRead:
    """Open a studio with the default policy; the creator becomes its owner."""
    if await repository.slug_exists(session, data.slug):
        raise SlugTaken()
    organization = Organization(**data.model_dump(), policy=stored_form(Policy()))
    try:
        async with session.begin_nested():
            await repository.add(session, organization)
    except IntegrityError as exc:  # a concurrent creation took the slug
        raise SlugTaken() from exc
    await repository.add_staff(
        session, StaffMember(organization_id=organization.id, user_id=user.id, role=Role.owner)
    )
    await audit.record(
        session,
        "studio.created",
        actor_user_id=user.id,
        organization_id=organization.id,
        subject_type="organization",
        subject_id=organization.id,
    )
    return OrganizationRead.model_validate(organization)


async def update_organization(
    session: AsyncSession, actor: Actor, organization: Organization, update: OrganizationUpdate
) -> OrganizationRead:
    """Change the profile and, field by field, the policy; an invalid policy changes
    nothing (admin+)."""
    require(actor, Action.update_studio)
    changes = update.model_dump(exclude_unset=True, exclude={"policy"})
    if update.policy is not None:
        policy = merged(policy_of(organization.policy), update.policy)
        organization.policy = stored_form(policy)
    for field, value in changes.items():
        setattr(organization, field, value)
    await session.flush()
    fields = sorted(update.model_fields_set)
    if not fields:
        return OrganizationRead.model_validate(organization)
    await audit.record(
        session,
        "studio.updated",
        actor_user_id=actor.user_id,
        organization_id=organization.id,
        subject_type="organization",
        subject_id=organization.id,
        data={"fields": fields},
    )
    return OrganizationRead.model_validate(organization)


async def list_staff(session: AsyncSession, actor: Actor, params: PageParams) -> Page[StaffRead]:
    require(actor, Action.list_staff)
    rows, cursor = await repository.staff_page(session, actor.organization_id, params)
    return Page(items=[_staff_read(staff, user) for staff, user in rows], next_cursor=cursor)


async def add_staff(session: AsyncSession, actor: Actor, *, email: str, role: Role) -> StaffRead:
    """Give an existing account a staff role; only an owner grants admin."""
    require(actor, Action.manage_staff)
    if not may_assign(actor, role):
        raise RoleNotAssignable(data={"role": role.value})
    user = await auth.user_by_email(session, email)
    if user is None:
        raise UnknownUser()
    if await repository.staff_by_user(session, actor.organization_id, user.id) is not None:
        raise AlreadyStaff()
    staff = StaffMember(organization_id=actor.organization_id, user_id=user.id, role=role)
    try:
        async with session.begin_nested():
            await repository.add_staff(session, staff)
    except IntegrityError as exc:
        raise AlreadyStaff() from exc
    await _audit_staff(session, actor, "staff.added", staff, {"role": role.value})
    return _staff_read(staff, user)


async def change_staff_role(
    session: AsyncSession, actor: Actor, staff_id: uuid.UUID, role: Role
) -> StaffRead:
    """Promote or demote a staff member; the last owner stays an owner (locks the studio
    row to serialise role changes)."""
    staff = await _manageable_staff(session, actor, staff_id)
    if not may_assign(actor, role):
        raise RoleNotAssignable(data={"role": role.value})
    previous = staff.role
    if previous == Role.owner and role != Role.owner:
        await _ensure_another_owner(session, actor.organization_id)
    staff.role = role
    await session.flush()
    await _audit_staff(
        session, actor, "staff.role_changed", staff, {"from": previous, "to": role.value}
    )
    user = await auth.user_by_id(session, staff.user_id)
    if user is None:
        raise StaffNotFound()
    return _staff_read(staff, user)


async def remove_staff(session: AsyncSession, actor: Actor, staff_id: uuid.UUID) -> None:
    """Take a staff role away; the last owner cannot be removed (locks the studio row)."""
    staff = await _manageable_staff(session, actor, staff_id)
    if staff.role == Role.owner:
        await _ensure_another_owner(session, actor.organization_id)
    await repository.remove_staff(session, staff)
    await _audit_staff(session, actor, "staff.removed", staff, {"role": staff.role})


async def _manageable_staff(
    session: AsyncSession, actor: Actor, staff_id: uuid.UUID
) -> StaffMember:
    require(actor, Action.manage_staff)
    await repository.for_update(session, actor.organization_id)
    staff = await repository.staff_by_id(session, actor.organization_id, staff_id)
    if staff is None:
        raise StaffNotFound()
    if not may_assign(actor, Role(staff.role)):
        raise RoleNotAssignable(data={"role": staff.role})
    return staff


async def _ensure_another_owner(session: AsyncSession, organization_id: uuid.UUID) -> None:
    if await repository.count_owners(session, organization_id) <= 1:
        raise LastOwner()


async def _audit_staff(
    session: AsyncSession, actor: Actor, action: str, staff: StaffMember, data: dict[str, str]
) -> None:
    await audit.record(
        session,
        action,
        actor_user_id=actor.user_id,
        organization_id=actor.organization_id,
        subject_type="user",
        subject_id=staff.user_id,
        data=data,
    )


def _staff_read(staff: StaffMember, user: User) -> StaffRead:
    return StaffRead(
        id=staff.id,
        user_id=user.id,
        email=user.email,
        full_name=user.full_name,
        role=Role(staff.role),
        created_at=staff.created_at,
    )


async def me(session: AsyncSession, user: User) -> MeRead:
    """The user with every studio they belong to and their roles there."""
    roles: dict[uuid.UUID, set[Role]] = {}
    studios: dict[uuid.UUID, Organization] = {}
    for organization, role in await repository.staff_roles_of_user(session, user.id):
        studios[organization.id] = organization
        roles.setdefault(organization.id, set()).add(Role(role))
    member_of = await members.organization_ids_of(session, user.id)
    for organization in await repository.by_ids(
        session, [i for i in member_of if i not in studios]
    ):
        studios[organization.id] = organization
    for organization_id in member_of:
        roles.setdefault(organization_id, set()).add(Role.member)
    return MeRead(
        id=user.id,
        email=user.email,
        full_name=user.full_name,
        is_active=user.is_active,
        created_at=user.created_at,
        is_superuser=user.is_superuser,
        studios=[
            StudioRoles(
                organization=OrganizationRef.model_validate(studios[oid]),
                roles=sorted(roles[oid], key=lambda r: list(Role).index(r)),
            )
            for oid in sorted(studios, key=lambda i: studios[i].name)
        ],
    )


async def showcase(session: AsyncSession, limit: int) -> list[OrganizationRead]:
    """The first studios opened on this installation, for the public landing page."""
    return [OrganizationRead.model_validate(o) for o in await repository.oldest(session, limit)]


async def by_slug(session: AsyncSession, slug: str) -> Organization | None:
    return await repository.by_slug(session, slug)


async def by_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Organization]:
    """Studios by id, for jobs that work across studios."""
    return {organization.id: organization for organization in await repository.by_ids(session, ids)}


async def staff_member(
    session: AsyncSession, organization_id: uuid.UUID, staff_id: uuid.UUID
) -> StaffMember | None:
    """A staff record of this studio (a trainer to schedule, say), or None."""
    return await repository.staff_by_id(session, organization_id, staff_id)


async def own_staff_id(session: AsyncSession, actor: Actor) -> uuid.UUID | None:
    """The caller's staff record in the studio, if they are staff."""
    if actor.user_id is None:
        return None
    staff = await repository.staff_by_user(session, actor.organization_id, actor.user_id)
    return staff.id if staff else None
