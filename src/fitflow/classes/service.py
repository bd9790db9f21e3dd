"""Class types and locations: what a studio runs and where (admin+ to change, anyone
to read)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.audit import service as audit
from fitflow.classes import repository
from fitflow.classes.errors import (
    ClassTypeNotFound,
    LocationNotFound,
    UnknownClassTypes,
    UnknownLocation,
)
from fitflow.classes.models import ClassType, Location
from fitflow.classes.schemas import (
    ClassTypeCreate,
    ClassTypeRead,
    ClassTypeUpdate,
    LocationCreate,
    LocationRead,
    units_of,
)
from fitflow.kit import time
from fitflow.kit.pagination import Page, PageParams
from fitflow.organizations.permissions import Action, Actor, require


async def class_types(
    session: AsyncSession, organization_id: uuid.UUID, *, params: PageParams
) -> Page[ClassTypeRead]:
    """The class types the studio runs now, for anyone."""
    rows, cursor = await repository.active_page(session, ClassType, organization_id, params)
    return Page(items=[ClassTypeRead.of(row[0]) for row in rows], next_cursor=cursor)


async def create_class_type(
    session: AsyncSession, actor: Actor, body: ClassTypeCreate
) -> ClassTypeRead:
    require(actor, Action.manage_schedule)
    row = ClassType(
        organization_id=actor.organization_id,
        **body.model_dump(exclude={"credit_cost", "default_capacity"}),
        default_capacity=1 if body.appointment else body.default_capacity,
        credit_units=units_of(body.credit_cost),
    )
    await repository.add(session, row)
    await audit.by_actor(session, actor, "class_type.created", ("class_type", row.id))
    return ClassTypeRead.of(row)


async def update_class_type(
    session: AsyncSession, actor: Actor, class_type_id: uuid.UUID, body: ClassTypeUpdate
) -> ClassTypeRead:
    """Change a class type; sessions already scheduled keep what they were given."""
    require(actor, Action.manage_schedule)
    row = await _class_type(session, actor.organization_id, class_type_id)
    changes = body.model_dump(exclude_unset=True)
    if "credit_cost" in changes:
        row.credit_units = units_of(changes.pop("credit_cost"))
    for field, value in changes.items():
        setattr(row, field, value)
    if row.appointment:
        row.default_capacity = 1
    await session.flush()
    await audit.by_actor(session, actor, "class_type.updated", ("class_type", row.id))
    return ClassTypeRead.of(row)


async def archive_class_type(
    session: AsyncSession, actor: Actor, class_type_id: uuid.UUID
) -> ClassTypeRead:
    """Stop offering a class type; its history stays readable. Idempotent."""
    require(actor, Action.manage_schedule)
    row = await _class_type(session, actor.organization_id, class_type_id)
    await _archive(session, actor, row, "class_type")
    return ClassTypeRead.of(row)


async def locations(
    session: AsyncSession, organization_id: uuid.UUID, *, params: PageParams
) -> Page[LocationRead]:
    rows, cursor = await repository.active_page(session, Location, organization_id, params)
    return Page(items=[LocationRead.of(row[0]) for row in rows], next_cursor=cursor)


async def create_location(
    session: AsyncSession, actor: Actor, body: LocationCreate
) -> LocationRead:
    require(actor, Action.manage_schedule)
    row = Location(organization_id=actor.organization_id, **body.model_dump())
    await repository.add(session, row)
    await audit.by_actor(session, actor, "location.created", ("location", row.id))
    return LocationRead.of(row)


async def archive_location(
    session: AsyncSession, actor: Actor, location_id: uuid.UUID
) -> LocationRead:
    """Stop using a location; its history stays readable. Idempotent."""
    require(actor, Action.manage_schedule)
    row = await repository.by_id(session, Location, actor.organization_id, location_id)
    if row is None:
        raise LocationNotFound()
    await _archive(session, actor, row, "location")
    return LocationRead.of(row)


async def ensure_class_types(
    session: AsyncSession, organization_id: uuid.UUID, ids: Sequence[uuid.UUID] | None
) -> None:
    """Refuse ids that are not the studio's class types in use (422, naming them)."""
    if not ids:
        return
    known = await repository.active_class_type_ids(session, organization_id, ids)
    unknown = sorted(str(i) for i in set(ids) - known)
    if unknown:
        raise UnknownClassTypes(data={"class_type_ids": unknown})


async def class_type_in_use(
    session: AsyncSession, organization_id: uuid.UUID, class_type_id: uuid.UUID
) -> ClassType:
    """The studio's class type, not archived, to schedule (422 otherwise)."""
    row = await repository.by_id(session, ClassType, organization_id, class_type_id)
    if row is None or row.archived_at is not None:
        raise UnknownClassTypes(data={"class_type_ids": [str(class_type_id)]})
    return row


async def location_in_use(
    session: AsyncSession, organization_id: uuid.UUID, location_id: uuid.UUID
) -> Location:
    """The studio's location, not archived, to schedule in (422 otherwise)."""
    row = await repository.by_id(session, Location, organization_id, location_id)
    if row is None or row.archived_at is not None:
        raise UnknownLocation()
    return row


async def _class_type(
    session: AsyncSession, organization_id: uuid.UUID, class_type_id: uuid.UUID
) -> ClassType:
    row = await repository.by_id(session, ClassType, organization_id, class_type_id)
    if row is None:
        raise ClassTypeNotFound()
    return row


async def _archive(
    session: AsyncSession, actor: Actor, row: ClassType | Location, kind: str
) -> None:
    """Archive once: a second call changes and audits nothing."""
    if row.archived_at is None:
        row.archived_at = time.now()
        await session.flush()
        await audit.by_actor(session, actor, f"{kind}.archived", (kind, row.id))
