"""Live availability: Server-Sent Events for one session or one local day's schedule.

Every change of what a session shows (its spots, waitlist, capacity, status, trainer,
room, times or title) is announced by a PostgreSQL trigger, which queues
"<studio> <session> <start epoch>" for channel fitflow_availability in the live outbox;
the relay (`kit.relay`) sends it as a NOTIFY after the commit. Each process listens once
(`kit.live.Broadcaster`) and re-reads the session for its subscribers.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.bookings import sessions
from fitflow.bookings.errors import ClassSessionNotFound
from fitflow.bookings.schemas import SessionRead
from fitflow.organizations.models import Organization
from fitflow.organizations.permissions import Actor

CHANNEL = "fitflow_availability"
KEEPALIVE_SECONDS = 15.0
Sessions = Callable[[], AbstractAsyncContextManager[AsyncSession]]
Subscribe = Callable[[str], AbstractAsyncContextManager[asyncio.Queue[str]]]


def keys_of(payload: str) -> list[str]:
    """Who a notification concerns: the session's stream and the studio's day streams."""
    parts = payload.split(" ")
    if len(parts) != 3:
        return []
    organization_id, session_id, _ = parts
    return [f"session:{session_id}", f"studio:{organization_id}"]


def day_bounds(day: date, timezone: str) -> tuple[datetime, datetime]:
    zone = ZoneInfo(timezone)
    start = datetime.combine(day, time(0), zone)
    return start, datetime.combine(day + timedelta(days=1), time(0), zone)


def event(row: SessionRead) -> bytes:
    return f"event: availability\nid: {row.id}\ndata: {row.model_dump_json()}\n\n".encode()


async def session_stream(
    organization: Organization, session_id: uuid.UUID, open_session: Sessions, subscribe: Subscribe
) -> AsyncIterator[bytes]:
    """The session's availability now, then again after every change."""
    async with subscribe(f"session:{session_id}") as queue:
        yield event(await _read(open_session, organization, session_id))
        while True:
            if not await _next(queue):
                yield b": keepalive\n\n"
                continue
            yield event(await _read(open_session, organization, session_id))


async def day_stream(
    organization: Organization, day: date, open_session: Sessions, subscribe: Subscribe
) -> AsyncIterator[bytes]:
    """Each change to a session starting on the studio's local `day`."""
    start, end = day_bounds(day, organization.timezone)
    async with subscribe(f"studio:{organization.id}") as queue:
        yield b": listening\n\n"
        while True:
            payload = await _next(queue)
            if payload is None:
                yield b": keepalive\n\n"
                continue
            _, session_id, epoch = payload.split(" ")
            if not start.timestamp() <= int(epoch) < end.timestamp():
                continue
            try:
                yield event(await _read(open_session, organization, uuid.UUID(session_id)))
            except ClassSessionNotFound:  # a draft: not for the public schedule
                continue


async def _next(queue: asyncio.Queue[str]) -> str | None:
    """The next payload, or None after a quiet keep-alive interval."""
    try:
        return await asyncio.wait_for(queue.get(), KEEPALIVE_SECONDS)
    except TimeoutError:
        return None


async def _read(
    open_session: Sessions, organization: Organization, session_id: uuid.UUID
) -> SessionRead:
    async with open_session() as session:
        return await sessions.one(session, Actor(None, organization.id), organization, session_id)
