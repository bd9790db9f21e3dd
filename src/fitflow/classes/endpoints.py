"""/api/v1/orgs/{org}/class-types and /locations."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, status

from fitflow.auth.deps import Session
from fitflow.classes import service
from fitflow.classes.errors import ClassTypeNotFound, LocationNotFound
from fitflow.classes.schemas import (
    ClassTypeCreate,
    ClassTypeRead,
    ClassTypeUpdate,
    LocationCreate,
    LocationRead,
)
from fitflow.kit.errors import PermissionDenied, raises
from fitflow.kit.pagination import Page, PageParams, page_params
from fitflow.kit.unit_of_work import api_router
from fitflow.organizations.deps import Caller, PathOrganization

router = api_router("schedule")
Paging = Annotated[PageParams, Depends(page_params)]


@router.get("/orgs/{org}/class-types")
async def list_class_types(
    organization: PathOrganization, session: Session, paging: Paging
) -> Page[ClassTypeRead]:
    """The class types the studio runs now (no token needed)."""
    return await service.class_types(session, organization.id, params=paging)


@router.post("/orgs/{org}/class-types", status_code=status.HTTP_201_CREATED)
@raises(PermissionDenied)
async def create_class_type(
    body: ClassTypeCreate, caller: Caller, session: Session
) -> ClassTypeRead:
    """Add a class type: length, default capacity, credit cost (admin+)."""
    return await service.create_class_type(session, caller.actor, body)


@router.patch("/orgs/{org}/class-types/{class_type_id}")
@raises(PermissionDenied, ClassTypeNotFound)
async def update_class_type(
    class_type_id: uuid.UUID, body: ClassTypeUpdate, caller: Caller, session: Session
) -> ClassTypeRead:
    """Change a class type; sessions already scheduled keep theirs (admin+)."""
    return await service.update_class_type(session, caller.actor, class_type_id, body)


@router.post("/orgs/{org}/class-types/{class_type_id}/archive")
@raises(PermissionDenied, ClassTypeNotFound)
async def archive_class_type(
    class_type_id: uuid.UUID, caller: Caller, session: Session
) -> ClassTypeRead:
    """Stop offering a class type; its history stays (admin+)."""
    return await service.archive_class_type(session, caller.actor, class_type_id)


@router.get("/orgs/{org}/locations")
async def list_locations(
    organization: PathOrganization, session: Session, paging: Paging
) -> Page[LocationRead]:
    """The studio's rooms and sites (no token needed)."""
    return await service.locations(session, organization.id, params=paging)


@router.post("/orgs/{org}/locations", status_code=status.HTTP_201_CREATED)
@raises(PermissionDenied)
async def create_location(body: LocationCreate, caller: Caller, session: Session) -> LocationRead:
    """Add a room or site (admin+)."""
    return await service.create_location(session, caller.actor, body)


@router.post("/orgs/{org}/locations/{location_id}/archive")
@raises(PermissionDenied, LocationNotFound)
async def archive_location(
    location_id: uuid.UUID, caller: Caller, session: Session
) -> LocationRead:
    """Stop using a location; its history stays (admin+)."""
    return await service.archive_location(session, caller.actor, location_id)
