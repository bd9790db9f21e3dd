"""Live availability over Server-Sent Events: a change committed anywhere reaches a
subscriber of another server process through LISTEN/NOTIFY."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from fitflow.app import create_app
from fitflow.config import Settings
from fitflow.kit import time
from tests.factories import Studio, account, studio_with_sale
from tests.live import serve

WAIT_SECONDS = 10


async def _events(lines: AsyncIterator[str]) -> AsyncIterator[dict[str, Any]]:
    """The data of each `availability` event on the stream."""
    kind = None
    async for line in lines:
        if line.startswith("event: "):
            kind = line.removeprefix("event: ")
        elif line.startswith("data: ") and kind == "availability":
            yield json.loads(line.removeprefix("data: "))


async def _scheduled(
    client: httpx.AsyncClient, studio: Studio, starts: datetime, capacity: int = 4
) -> str:
    """A published class of `capacity` spots at `starts`; its id."""
    created = await client.post(
        f"/api/v1/orgs/{studio.slug}/sessions",
        headers=studio.accounts["owner"].headers,
        json={
            "class_type_id": studio.class_type_id,
            "starts_at": starts.isoformat(),
            "capacity": capacity,
        },
    )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


@asynccontextmanager
async def _stream(settings: Settings, path: str, **params: str) -> AsyncIterator[httpx.Response]:
    """`path`'s event stream, served by another app process than the one that changes
    things (as a second API server would)."""
    with serve(create_app(settings)) as url:
        async with (
            httpx.AsyncClient(base_url=url, timeout=WAIT_SECONDS) as remote,
            remote.stream("GET", path, params=params) as stream,
        ):
            yield stream


async def _listening(stream: httpx.Response) -> AsyncIterator[str]:
    """The day stream's lines, once it says it listens."""
    lines = stream.aiter_lines()
    assert await asyncio.wait_for(anext(lines), WAIT_SECONDS) == ": listening"
    return lines


async def _studio(client: httpx.AsyncClient) -> tuple[Studio, str, datetime]:
    """A studio with a member, its API base path, and a class time two days ahead."""
    studio = await studio_with_sale(client)
    starts = (time.now() + timedelta(days=2)).replace(microsecond=0)
    return studio, f"/api/v1/orgs/{studio.slug}", starts


async def _next(events: AsyncIterator[dict[str, Any]]) -> dict[str, Any]:
    return await asyncio.wait_for(anext(events), WAIT_SECONDS)


async def _book(client: httpx.AsyncClient, base: str, headers: dict[str, str], sid: str) -> None:
    booked = await client.post(f"{base}/sessions/{sid}/bookings", headers=headers)
    assert booked.status_code == 201, booked.text


async def test_a_booking_reaches_a_subscriber_of_another_server(
    committed_client: httpx.AsyncClient, settings: Settings
) -> None:
    studio, base, starts = await _studio(committed_client)
    session_id = await _scheduled(committed_client, studio, starts)
    async with _stream(settings, f"{base}/sessions/{session_id}/events") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        events = _events(stream.aiter_lines())
        first = await _next(events)
        assert (first["booked"], first["spots_left"]) == (0, 4)
        await _book(committed_client, base, studio.accounts["member"].headers, session_id)
        changed = await _next(events)
    assert (changed["booked"], changed["spots_left"]) == (1, 3)


async def test_an_unknown_session_answers_404(client: httpx.AsyncClient) -> None:
    studio = await studio_with_sale(client)
    response = await client.get(
        f"/api/v1/orgs/{studio.slug}/sessions/00000000-0000-0000-0000-000000000000/events"
    )
    assert response.status_code == 404


async def test_the_day_stream_carries_changes_of_that_days_sessions_only(
    committed_client: httpx.AsyncClient, settings: Settings
) -> None:
    studio, base, starts = await _studio(committed_client)
    ids = [
        await _scheduled(committed_client, studio, starts + offset)
        for offset in (timedelta(0), timedelta(days=1))
    ]
    day = starts.astimezone(ZoneInfo("Europe/Berlin")).date().isoformat()
    async with _stream(settings, f"{base}/schedule/events", day=day) as stream:
        events = _events(await _listening(stream))
        await _book(committed_client, base, studio.accounts["member"].headers, ids[1])
        await _book(committed_client, base, studio.accounts["member"].headers, ids[0])
        changed = await _next(events)
    assert (changed["id"], changed["booked"]) == (ids[0], 1)


async def test_a_session_scheduled_on_the_day_is_streamed(
    committed_client: httpx.AsyncClient, settings: Settings
) -> None:
    studio, base, starts = await _studio(committed_client)
    day = starts.astimezone(ZoneInfo("Europe/Berlin")).date().isoformat()
    async with _stream(settings, f"{base}/schedule/events", day=day) as stream:
        lines = await _listening(stream)
        session_id = await _scheduled(committed_client, studio, starts)
        added = await _next(_events(lines))
    assert (added["id"], added["spots_left"]) == (session_id, 4)


async def test_confirming_a_hold_is_streamed_though_no_count_moves(
    committed_client: httpx.AsyncClient, settings: Settings
) -> None:
    studio, base, starts = await _studio(committed_client)
    session_id = await _scheduled(committed_client, studio, starts)
    member = studio.accounts["member"].headers
    async with _stream(settings, f"{base}/sessions/{session_id}/events") as stream:
        events = _events(stream.aiter_lines())
        await _next(events)
        held = await committed_client.post(f"{base}/sessions/{session_id}/holds", headers=member)
        assert (await _next(events))["held"] == 1
        confirmed = await committed_client.post(
            f"{base}/holds/{held.json()['id']}/confirm", headers=member
        )
        assert confirmed.status_code == 201, confirmed.text
        after = await _next(events)
    assert (after["booked"], after["held"]) == (1, 0)


async def test_joining_and_leaving_a_waitlist_is_streamed(
    committed_client: httpx.AsyncClient, settings: Settings
) -> None:
    studio, base, starts = await _studio(committed_client)
    session_id = await _scheduled(committed_client, studio, starts, capacity=1)
    await _book(committed_client, base, studio.accounts["member"].headers, session_id)
    waiting = await account(committed_client, full_name="Waiting Member")
    assert (await committed_client.post(f"{base}/join", headers=waiting.headers)).is_success
    waitlist = f"{base}/sessions/{session_id}/waitlist"
    async with _stream(settings, f"{base}/sessions/{session_id}/events") as stream:
        events = _events(stream.aiter_lines())
        assert (await _next(events))["waitlist_length"] == 0
        joined = await committed_client.post(waitlist, headers=waiting.headers)
        assert joined.status_code == 201, joined.text
        assert (await _next(events))["waitlist_length"] == 1
        left = await committed_client.delete(waitlist, headers=waiting.headers)
        assert left.status_code == 204, left.text
        assert (await _next(events))["waitlist_length"] == 0


async def test_a_new_trainer_for_a_session_is_streamed(
    committed_client: httpx.AsyncClient, settings: Settings
) -> None:
    studio, base, starts = await _studio(committed_client)
    session_id = await _scheduled(committed_client, studio, starts)
    trainer = studio.staff_ids["trainer"]
    async with _stream(settings, f"{base}/sessions/{session_id}/events") as stream:
        events = _events(stream.aiter_lines())
        assert (await _next(events))["trainer_id"] is None
        changed = await committed_client.patch(
            f"{base}/sessions/{session_id}",
            headers=studio.accounts["owner"].headers,
            json={"trainer_id": trainer},
        )
        assert changed.status_code == 200, changed.text
        assert (await _next(events))["trainer_id"] == trainer
