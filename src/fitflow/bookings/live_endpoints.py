"""/api/v1/orgs/{org}/sessions/{id}/events and /schedule/events: live availability."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Query, Request
from fastapi.responses import StreamingResponse

from fitflow.auth.deps import Session
from fitflow.bookings import live, sessions
from fitflow.bookings.errors import ClassSessionNotFound
from fitflow.kit import time
from fitflow.kit.errors import raises
from fitflow.kit.unit_of_work import api_router
from fitflow.organizations.deps import MaybeCaller

router = api_router("booking")
STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
STREAM_DOC: dict[int | str, dict[str, object]] = {
    200: {"content": {"text/event-stream": {}}, "description": "`availability` events"}
}


def _stream(body: object) -> StreamingResponse:
    return StreamingResponse(body, media_type="text/event-stream", headers=STREAM_HEADERS)  # type: ignore[arg-type]


@router.get(
    "/orgs/{org}/sessions/{session_id}/events",
    response_class=StreamingResponse,
    responses=STREAM_DOC,
)
@raises(ClassSessionNotFound)
async def session_events(
    session_id: uuid.UUID, request: Request, caller: MaybeCaller, session: Session
) -> StreamingResponse:
    """Server-Sent Events: the session's availability now and after every change, from
    any API process or worker (no token needed)."""
    await sessions.one(session, caller.actor, caller.organization, session_id)
    state = request.app.state
    return _stream(
        live.session_stream(
            caller.organization, session_id, state.database.sessions, state.live.subscribe
        )
    )


@router.get("/orgs/{org}/schedule/events", response_class=StreamingResponse, responses=STREAM_DOC)
async def schedule_events(
    request: Request,
    caller: MaybeCaller,
    day: Annotated[date | None, Query(description="A local day; today by default")] = None,
) -> StreamingResponse:
    """Server-Sent Events: each availability change of a session on the studio's local
    `day` (no token needed)."""
    organization = caller.organization
    today = time.now().astimezone(ZoneInfo(organization.timezone)).date()
    state = request.app.state
    return _stream(
        live.day_stream(organization, day or today, state.database.sessions, state.live.subscribe)
    )
