"""/api/v1/orgs/{org}/schedules: recurring classes."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Request, status

from fitflow.auth.deps import Session
from fitflow.bookings import schedules
from fitflow.bookings.errors import InvalidRecurrence, ScheduleNotFound, UnknownTrainer
from fitflow.bookings.schedule_schemas import ScheduleCreate, ScheduleRead, ScheduleUpdate
from fitflow.classes.errors import UnknownClassTypes, UnknownLocation
from fitflow.kit.errors import PermissionDenied, raises
from fitflow.kit.pagination import Page, PageParams, page_params
from fitflow.kit.unit_of_work import api_router
from fitflow.organizations.deps import Caller

router = api_router("schedule")
Paging = Annotated[PageParams, Depends(page_params)]
REFERENCE_ERRORS = (UnknownClassTypes, UnknownLocation, UnknownTrainer, InvalidRecurrence)


def _weeks(request: Request) -> int:
    weeks: int = request.app.state.settings.jobs.schedule_weeks_ahead
    return weeks


@router.get("/orgs/{org}/schedules")
@raises(PermissionDenied)
async def list_schedules(caller: Caller, session: Session, paging: Paging) -> Page[ScheduleRead]:
    """Recurring classes, oldest first (admin+)."""
    return await schedules.listing(session, caller.actor, caller.organization, paging)


@router.post("/orgs/{org}/schedules", status_code=status.HTTP_201_CREATED)
@raises(PermissionDenied, *REFERENCE_ERRORS)
async def create_schedule(
    body: ScheduleCreate, request: Request, caller: Caller, session: Session
) -> ScheduleRead:
    """Add a recurring class (an RFC 5545 rule, a local start time); its sessions are
    written ahead at once (admin+)."""
    return await schedules.create(
        session, caller.actor, caller.organization, body, weeks_ahead=_weeks(request)
    )


@router.patch("/orgs/{org}/schedules/{schedule_id}")
@raises(PermissionDenied, ScheduleNotFound, *REFERENCE_ERRORS)
async def update_schedule(
    schedule_id: uuid.UUID,
    body: ScheduleUpdate,
    request: Request,
    caller: Caller,
    session: Session,
) -> ScheduleRead:
    """Change a recurring class: unbooked future sessions follow, booked ones are kept
    and listed (admin+)."""
    return await schedules.update(
        session, caller.actor, caller.organization, schedule_id, body, weeks_ahead=_weeks(request)
    )


@router.post("/orgs/{org}/schedules/{schedule_id}/end")
@raises(PermissionDenied, ScheduleNotFound)
async def end_schedule(schedule_id: uuid.UUID, caller: Caller, session: Session) -> ScheduleRead:
    """Stop a recurring class: unbooked future sessions go, booked ones are listed
    (admin+)."""
    return await schedules.end(session, caller.actor, caller.organization, schedule_id)
