"""Every /api/v1 route with every kind of caller: the status each one gets.

Each (route, role) pair runs on a fresh studio with a valid request, so the status shows
the permission rule and nothing else. A route without a row fails
`test_the_matrix_covers_every_api_route`.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from starlette.types import ASGIApp, Message, Scope

from fitflow.auth import repository as auth_repository
from fitflow.auth import tokens
from fitflow.kit import time
from fitflow.kit.db import Database
from tests.factories import (
    MONTHLY,
    PASSWORD,
    ROOM,
    YOGA,
    Account,
    Studio,
    account,
    create,
    create_user,
    sell,
    staffed_studio,
    subscribe_the_sale,
    superuser_account,
    unique_email,
)

ROLES = (
    "anonymous",
    "outsider",
    "member",
    "receptionist",
    "trainer",
    "admin",
    "owner",
    "superuser",
)
Expected = dict[str, int]


def everyone(status: int) -> Expected:
    return dict.fromkeys(ROLES, status)


def authenticated(status: int, **exceptions: int) -> Expected:
    return {**everyone(status), "anonymous": 401, **exceptions}


def studio_rule(allowed: int, minimum: str, denied: int = 403) -> Expected:
    """`allowed` for `minimum` and the roles above it; `denied` for other callers."""
    ladder = ["receptionist", "trainer", "admin", "owner"]
    granted = set(ladder[ladder.index(minimum) :])
    expected = {role: (allowed if role in granted else denied) for role in ROLES}
    return {**expected, "anonymous": 401}


@dataclass
class Context:
    client: httpx.AsyncClient
    database: Database
    app: FastAPI
    studio: Studio
    caller: Account | None

    @property
    def slug(self) -> str:
        return self.studio.slug

    async def fresh_user(self) -> tuple[uuid.UUID, str]:
        email = unique_email("fresh")
        user_id = await create_user(self.database, self.app.state.auth, email=email)
        return user_id, email

    async def reset_token(self) -> str:
        user_id, _ = await self.fresh_user()
        raw, token_hash = tokens.new_opaque_token()
        async with self.database.sessions() as session:
            await auth_repository.add_reset_token(
                session,
                user_id=user_id,
                token_hash=token_hash,
                expires_at=time.now() + timedelta(hours=1),
            )
            await session.commit()
        return raw


Body = Mapping[str, object] | None
Request = tuple[str, Body]  # the concrete URL and the JSON body
Builder = Callable[[Context], Awaitable[Request]]


@dataclass(frozen=True)
class Row:
    build: Builder
    expected: Expected
    stream: bool = False
    """A Server-Sent Event stream that never ends: see `streaming_client`."""


STREAM_SECONDS = 10.0


class StreamingASGITransport(httpx.AsyncBaseTransport):
    """Like `httpx.ASGITransport`, but answers as soon as the app has sent its status and
    headers, and streams the body as the app sends it; closing the response tells the app
    the client went away (`http.disconnect`) and waits for it to finish.

    `httpx.ASGITransport` runs the app to its end before it returns a response, so a
    request to a stream that never ends would never return."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        scope: Scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": request.method,
            "headers": [(k.lower(), v) for k, v in request.headers.raw],
            "scheme": request.url.scheme,
            "path": request.url.path,
            "raw_path": request.url.raw_path.split(b"?")[0],
            "query_string": request.url.query,
            "server": (request.url.host, request.url.port),
            "client": ("127.0.0.1", 123),
            "root_path": "",
        }
        request_body = await request.aread()
        request_sent = False
        gone, started = asyncio.Event(), asyncio.Event()
        head: Message = {}
        chunks: asyncio.Queue[bytes | None] = asyncio.Queue()

        async def receive() -> Message:
            nonlocal request_sent
            if not request_sent:
                request_sent = True
                return {"type": "http.request", "body": request_body, "more_body": False}
            await gone.wait()
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                head.update(message)
                started.set()
            elif message["type"] == "http.response.body":
                if message.get("body"):
                    chunks.put_nowait(bytes(message["body"]))
                if not message.get("more_body", False):
                    chunks.put_nowait(None)

        async def run() -> None:
            try:
                await self.app(scope, receive, send)
            finally:
                chunks.put_nowait(None)  # the body ends with the app, however it ends

        running = asyncio.create_task(run())
        answered = asyncio.create_task(started.wait())
        await asyncio.wait(
            {running, answered}, timeout=STREAM_SECONDS, return_when=asyncio.FIRST_COMPLETED
        )
        answered.cancel()
        if not started.is_set():
            gone.set()
            if running.done():
                running.result()  # the app's own error, if it raised one
                raise AssertionError(f"{request.url}: the app finished without answering")
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running
            raise AssertionError(f"{request.url}: no status within {STREAM_SECONDS}s")
        return httpx.Response(
            head["status"], headers=head["headers"], stream=_AppBody(chunks, gone, running)
        )


class _AppBody(httpx.AsyncByteStream):
    def __init__(
        self, chunks: asyncio.Queue[bytes | None], gone: asyncio.Event, running: asyncio.Task[None]
    ) -> None:
        self.chunks, self.gone, self.running = chunks, gone, running

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while (chunk := await self.chunks.get()) is not None:
            yield chunk

    async def aclose(self) -> None:
        """The client goes away: the app must notice and finish."""
        self.gone.set()
        try:
            await asyncio.wait_for(self.running, STREAM_SECONDS)
        except TimeoutError:
            raise AssertionError("the app kept streaming after the client went away") from None


@contextlib.asynccontextmanager
async def streaming_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client of `app` whose `stream()` returns at the headers (`StreamingASGITransport`);
    afterwards the app's LISTEN connection (opened by the first subscriber, closed by the
    lifespan, which the in-process transport does not run) is closed."""
    transport = StreamingASGITransport(app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://fitflow.test") as c:
            yield c
    finally:
        await app.state.live.close()


async def stream_head(
    client: httpx.AsyncClient, url: str, headers: Mapping[str, str]
) -> httpx.Response:
    """GET an event stream and close it once it has started: the response with its status
    and headers, and its body when it is not a stream (an error)."""
    async with client.stream("GET", url, headers=headers) as response:
        if response.headers.get("content-type", "").startswith("text/event-stream"):
            # only its first chunk: the stream has started, and the disconnect does not
            # cut off its first read of the database midway; the stream itself never ends
            first = await asyncio.wait_for(_first_chunk(response), STREAM_SECONDS)
            assert first, f"GET {url}: the stream ended without a word"
        else:
            await response.aread()
    return response


def shown(response: httpx.Response) -> str:
    """The body for a failure message; an event stream's is never read to its end."""
    try:
        return response.text
    except httpx.ResponseNotRead:
        return f"(a {response.headers.get('content-type')} stream)"


async def _first_chunk(response: httpx.Response) -> bytes:
    async for chunk in response.aiter_raw():
        return chunk
    return b""


async def _openapi(c: Context) -> Request:
    return "/api/v1/openapi.json", None


async def _register(c: Context) -> Request:
    body = {"email": unique_email("new"), "password": PASSWORD, "full_name": "New Person"}
    return "/api/v1/auth/register", body


async def _login(c: Context) -> Request:
    _, email = await c.fresh_user()
    return "/api/v1/auth/login", {"email": email, "password": PASSWORD}


async def _refresh(c: Context) -> Request:
    token = c.studio.accounts["outsider"].refresh_token
    return "/api/v1/auth/refresh", {"refresh_token": token}


async def _logout(c: Context) -> Request:
    holder = c.caller or c.studio.accounts["outsider"]
    return "/api/v1/auth/logout", {"refresh_token": holder.refresh_token}


async def _password_reset(c: Context) -> Request:
    return "/api/v1/auth/password-reset", {"email": c.studio.accounts["member"].email}


async def _password_reset_confirm(c: Context) -> Request:
    body = {"token": await c.reset_token(), "new_password": "another-long-password-1"}
    return "/api/v1/auth/password-reset/confirm", body


async def _me(c: Context) -> Request:
    return "/api/v1/me", None


async def _deactivate(c: Context) -> Request:
    user_id, _ = await c.fresh_user()
    return f"/api/v1/admin/users/{user_id}/deactivate", None


async def _reactivate(c: Context) -> Request:
    user_id, _ = await c.fresh_user()
    return f"/api/v1/admin/users/{user_id}/reactivate", None


async def _create_studio(c: Context) -> Request:
    body = {
        "name": "Another Studio",
        "slug": f"another-{uuid.uuid4().hex[:8]}",
        "timezone": "Europe/Paris",
        "currency": "EUR",
    }
    return "/api/v1/orgs", body


async def _studio(c: Context) -> Request:
    return f"/api/v1/orgs/{c.slug}", None


async def _update_studio(c: Context) -> Request:
    return f"/api/v1/orgs/{c.slug}", {"name": "Renamed", "policy": {"hold_seconds": 300}}


async def _join(c: Context) -> Request:
    return f"/api/v1/orgs/{c.slug}/join", None


async def _staff(c: Context) -> Request:
    return f"/api/v1/orgs/{c.slug}/staff", None


async def _add_staff(c: Context) -> Request:
    _, email = await c.fresh_user()
    return f"/api/v1/orgs/{c.slug}/staff", {"email": email, "role": "trainer"}


async def _change_staff(c: Context) -> Request:
    staff_id = c.studio.staff_ids["trainer"]
    return f"/api/v1/orgs/{c.slug}/staff/{staff_id}", {"role": "receptionist"}


async def _remove_staff(c: Context) -> Request:
    return f"/api/v1/orgs/{c.slug}/staff/{c.studio.staff_ids['receptionist']}", None


async def _members(c: Context) -> Request:
    return f"/api/v1/orgs/{c.slug}/members", None


async def _member(c: Context) -> Request:
    return f"/api/v1/orgs/{c.slug}/members/{c.studio.member_id}", None


async def _update_member(c: Context) -> Request:
    return f"/api/v1/orgs/{c.slug}/members/{c.studio.member_id}", {"notes": "checked"}


async def _plans(c: Context) -> Request:
    return f"/api/v1/orgs/{c.slug}/plans", None


async def _create_plan(c: Context) -> Request:
    body = {"kind": "drop_in", "name": "Drop-in", "price_minor": 1500}
    return f"/api/v1/orgs/{c.slug}/plans", body


async def _archive_plan(c: Context) -> Request:
    return f"/api/v1/orgs/{c.slug}/plans/{c.studio.plan_id}/archive", None


async def _my_credits(c: Context) -> Request:
    return f"/api/v1/orgs/{c.slug}/me/credits", None


async def _adjust_credits(c: Context) -> Request:
    url = f"/api/v1/orgs/{c.slug}/members/{c.studio.member_id}/credit-adjustments"
    return url, {"units": 100, "reason": "welcome gift"}


async def _sale(c: Context) -> dict[str, object]:
    """A monthly membership sold to the studio's member by its owner."""
    owner = c.studio.accounts["owner"]
    plan = await c.client.post(f"/api/v1/orgs/{c.slug}/plans", headers=owner.headers, json=MONTHLY)
    return await sell(
        c.client, c.slug, owner, member_id=c.studio.member_id, plan_id=plan.json()["id"]
    )


async def _my_memberships(c: Context) -> Request:
    await _sale(c)
    return f"/api/v1/orgs/{c.slug}/me/memberships", None


async def _member_memberships(c: Context) -> Request:
    await _sale(c)
    return f"/api/v1/orgs/{c.slug}/members/{c.studio.member_id}/memberships", None


async def _membership_url(c: Context, action: str) -> str:
    membership_id = (await _sale(c))["granted_membership_id"]
    return f"/api/v1/orgs/{c.slug}/memberships/{membership_id}/{action}"


async def _my_subscriptions(c: Context) -> Request:
    return f"/api/v1/orgs/{c.slug}/me/subscriptions", None


async def _member_subscriptions(c: Context) -> Request:
    return f"/api/v1/orgs/{c.slug}/members/{c.studio.member_id}/subscriptions", None


async def _change_plan(c: Context) -> Request:
    sold = replace(c.studio, membership_id=str((await _sale(c))["granted_membership_id"]))
    subscribed = await subscribe_the_sale(c.client, c.database, sold)
    url = f"/api/v1/orgs/{c.slug}/subscriptions/{subscribed.subscription_id}/change-plan"
    return url, {"plan_id": subscribed.other_plan_id}


async def _freeze(c: Context) -> Request:
    return await _membership_url(c, "freeze"), {"days": 3}


async def _unfreeze(c: Context) -> Request:
    url = await _membership_url(c, "unfreeze")
    freeze = url.replace("/unfreeze", "/freeze")
    frozen = await c.client.post(
        freeze, headers=c.studio.accounts["owner"].headers, json={"days": 3}
    )
    assert frozen.status_code == 200, frozen.text
    return url, None


async def _cancel(c: Context) -> Request:
    return await _membership_url(c, "cancel"), {"at_period_end": True}


async def _sell_at_desk(c: Context) -> Request:
    body = {"member_id": c.studio.member_id, "plan_id": c.studio.plan_id, "method": "cash"}
    return f"/api/v1/orgs/{c.slug}/orders", body


async def _orders(c: Context) -> Request:
    await _sale(c)
    return f"/api/v1/orgs/{c.slug}/orders", None


async def _order_url(c: Context, action: str = "") -> str:
    order_id = (await _sale(c))["id"]
    return f"/api/v1/orgs/{c.slug}/orders/{order_id}{action}"


async def _order(c: Context) -> Request:
    return await _order_url(c), None


async def _checkout(c: Context) -> Request:
    return f"/api/v1/orgs/{c.slug}/plans/{c.studio.plan_id}/checkout", {}


async def _stripe_webhook(c: Context) -> Request:
    return "/api/v1/webhooks/stripe", None


async def _studio_stripe_webhook(c: Context) -> Request:
    return f"/api/v1/webhooks/stripe/{uuid.uuid4()}", None


async def _refund(c: Context) -> Request:
    return await _order_url(c, "/refund"), {"amount_minor": 1000, "reason": "moving away"}


async def _void(c: Context) -> Request:
    return await _order_url(c, "/void"), {"reason": "sold by mistake"}


async def _invoices(c: Context) -> Request:
    await _sale(c)
    return f"/api/v1/orgs/{c.slug}/invoices", None


async def _my_invoices(c: Context) -> Request:
    await _sale(c)
    return f"/api/v1/orgs/{c.slug}/me/invoices", None


async def _invoice_url(c: Context, suffix: str = "") -> str:
    """The invoice of a sale to the studio's member."""
    order_id = (await _sale(c))["id"]
    listed = await c.client.get(
        f"/api/v1/orgs/{c.slug}/invoices", headers=c.studio.accounts["owner"].headers
    )
    invoice_id = next(i["id"] for i in listed.json()["items"] if i["order_id"] == order_id)
    return f"/api/v1/orgs/{c.slug}/invoices/{invoice_id}{suffix}"


async def _invoice(c: Context) -> Request:
    return await _invoice_url(c), None


async def _invoice_html(c: Context) -> Request:
    return await _invoice_url(c, ".html"), None


async def _invoice_pdf(c: Context) -> Request:
    return await _invoice_url(c, ".pdf"), None


async def _revenue(c: Context) -> Request:
    await _sale(c)
    today = time.now().date()
    period = f"from={today - timedelta(days=1)}&to={today + timedelta(days=1)}"
    return f"/api/v1/orgs/{c.slug}/reports/revenue?{period}", None


async def _class_types(c: Context) -> Request:
    return f"/api/v1/orgs/{c.slug}/class-types", None


async def _create_class_type(c: Context) -> Request:
    return f"/api/v1/orgs/{c.slug}/class-types", YOGA


async def _class_type_url(c: Context, action: str = "") -> str:
    url = f"/api/v1/orgs/{c.slug}/class-types"
    class_type_id = await create(c.client, url, c.studio.accounts["owner"], YOGA)
    return f"{url}/{class_type_id}{action}"


async def _update_class_type(c: Context) -> Request:
    return await _class_type_url(c), {"credit_cost": "1.5"}


async def _archive_class_type(c: Context) -> Request:
    return await _class_type_url(c, "/archive"), None


async def _locations(c: Context) -> Request:
    return f"/api/v1/orgs/{c.slug}/locations", None


async def _create_location(c: Context) -> Request:
    return f"/api/v1/orgs/{c.slug}/locations", ROOM


async def _archive_location(c: Context) -> Request:
    url = f"/api/v1/orgs/{c.slug}/locations"
    location_id = await create(c.client, url, c.studio.accounts["owner"], ROOM)
    return f"{url}/{location_id}/archive", None


async def _audit(c: Context) -> Request:
    return f"/api/v1/orgs/{c.slug}/audit", None


def _in_days(days: int, *, minutes: int = 0) -> str:
    later = time.now() + timedelta(days=days, minutes=minutes)
    return later.replace(microsecond=0).isoformat()


async def _session_body(
    c: Context, *, capacity: int = 5, starts_at: str | None = None
) -> dict[str, object]:
    """A published class in three days (booking is open), taught by the studio's trainer."""
    url = f"/api/v1/orgs/{c.slug}/class-types"
    class_type_id = await create(c.client, url, c.studio.accounts["owner"], YOGA)
    return {
        "class_type_id": class_type_id,
        "starts_at": starts_at or _in_days(3),
        "trainer_id": c.studio.staff_ids["trainer"],
        "capacity": capacity,
    }


async def _class_session(c: Context, *, capacity: int = 5) -> str:
    """The id of a class scheduled by the owner (see `_session_body`)."""
    body = await _session_body(c, capacity=capacity)
    return await create(
        c.client, f"/api/v1/orgs/{c.slug}/sessions", c.studio.accounts["owner"], body
    )


async def _session_url(c: Context, action: str = "", *, capacity: int = 5) -> str:
    session_id = await _class_session(c, capacity=capacity)
    return f"/api/v1/orgs/{c.slug}/sessions/{session_id}{action}"


async def _full_session_url(c: Context, action: str) -> str:
    """A class of one spot, held by another member of the studio."""
    url = await _session_url(c, capacity=1)
    other = await account(c.client, full_name="Another Member")
    joined = await c.client.post(f"/api/v1/orgs/{c.slug}/join", headers=other.headers)
    assert joined.status_code == 201, joined.text
    held = await c.client.post(f"{url}/holds", headers=other.headers)
    assert held.status_code == 201, held.text
    return f"{url}{action}"


async def _member_hold(c: Context) -> str:
    """The id of the member's active hold on a class; the member can pay for it."""
    await _sale(c)
    url = await _session_url(c, "/holds")
    return await create(c.client, url, c.studio.accounts["member"], None)


async def _member_booking(c: Context) -> str:
    """The id of the member's confirmed booking of a class in three days."""
    await _sale(c)
    url = await _session_url(c, "/bookings")
    return await create(c.client, url, c.studio.accounts["member"], None)


async def _sessions(c: Context) -> Request:
    await _class_session(c)
    return f"/api/v1/orgs/{c.slug}/sessions", None


async def _schedule(c: Context) -> Request:
    return f"/api/v1/orgs/{c.slug}/sessions", await _session_body(c)


async def _session(c: Context) -> Request:
    return await _session_url(c), None


async def _update_session(c: Context) -> Request:
    return await _session_url(c), {"capacity": 8}


async def _attendees(c: Context) -> Request:
    return await _session_url(c, "/attendees"), None


async def _hold(c: Context) -> Request:
    return await _session_url(c, "/holds"), None


async def _book(c: Context) -> Request:
    await _sale(c)
    return await _session_url(c, "/bookings"), None


async def _book_for_member(c: Context) -> Request:
    await _sale(c)
    body = {"member_id": c.studio.member_id, "session_id": await _class_session(c)}
    return f"/api/v1/orgs/{c.slug}/bookings", body


async def _my_bookings(c: Context) -> Request:
    await _member_booking(c)
    return f"/api/v1/orgs/{c.slug}/me/bookings", None


async def _confirm_hold(c: Context) -> Request:
    return f"/api/v1/orgs/{c.slug}/holds/{await _member_hold(c)}/confirm", None


async def _release_hold(c: Context) -> Request:
    return f"/api/v1/orgs/{c.slug}/holds/{await _member_hold(c)}", None


async def _cancel_booking(c: Context) -> Request:
    return f"/api/v1/orgs/{c.slug}/bookings/{await _member_booking(c)}/cancel", {}


async def _join_waitlist(c: Context) -> Request:
    return await _full_session_url(c, "/waitlist"), None


async def _leave_waitlist(c: Context) -> Request:
    url = await _full_session_url(c, "/waitlist")
    joined = await c.client.post(url, headers=c.studio.accounts["member"].headers)
    assert joined.status_code == 201, joined.text
    return url, None


async def _waitlist(c: Context) -> Request:
    url = await _full_session_url(c, "/waitlist")
    joined = await c.client.post(url, headers=c.studio.accounts["member"].headers)
    assert joined.status_code == 201, joined.text
    return url, None


async def _recurring_body(c: Context) -> dict[str, object]:
    """A weekly Monday 18:00 class from today on."""
    url = f"/api/v1/orgs/{c.slug}/class-types"
    class_type_id = await create(c.client, url, c.studio.accounts["owner"], YOGA)
    return {
        "class_type_id": class_type_id,
        "rrule": "FREQ=WEEKLY;BYDAY=MO",
        "first_day": time.now().date().isoformat(),
        "start_time": "18:00",
    }


async def _schedule_url(c: Context, action: str = "") -> str:
    url = f"/api/v1/orgs/{c.slug}/schedules"
    schedule_id = await create(c.client, url, c.studio.accounts["owner"], await _recurring_body(c))
    return f"{url}/{schedule_id}{action}"


async def _schedules(c: Context) -> Request:
    await _schedule_url(c)
    return f"/api/v1/orgs/{c.slug}/schedules", None


async def _create_schedule(c: Context) -> Request:
    return f"/api/v1/orgs/{c.slug}/schedules", await _recurring_body(c)


async def _update_schedule(c: Context) -> Request:
    return await _schedule_url(c), {"title": "Evening yoga"}


async def _end_schedule(c: Context) -> Request:
    return await _schedule_url(c, "/end"), None


async def _session_events(c: Context) -> Request:
    return await _session_url(c, "/events"), None


async def _schedule_events(c: Context) -> Request:
    return f"/api/v1/orgs/{c.slug}/schedule/events", None


PT = {"name": "PT", "duration_minutes": 60, "default_capacity": 1, "appointment": True}
EVERY_MORNING: dict[str, object] = {
    "windows": [
        {"weekday": day, "starts": "09:00", "ends": "12:00"}
        for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    ]
}


def _trainer_url(c: Context, action: str) -> str:
    """A route of the studio's trainer (a staff id)."""
    return f"/api/v1/orgs/{c.slug}/trainers/{c.studio.staff_ids['trainer']}{action}"


async def _open_appointments(c: Context) -> str:
    """The trainer is free every morning for a 1:1 service (its id) the owner set up."""
    owner = c.studio.accounts["owner"]
    service_id = await create(c.client, f"/api/v1/orgs/{c.slug}/class-types", owner, PT)
    put = await c.client.put(
        _trainer_url(c, "/availability"), headers=owner.headers, json=EVERY_MORNING
    )
    assert put.status_code == 200, put.text
    return service_id


async def _availability(c: Context) -> Request:
    await _open_appointments(c)
    return _trainer_url(c, "/availability"), None


async def _set_availability(c: Context) -> Request:
    return _trainer_url(c, "/availability"), EVERY_MORNING


def _time_away_body() -> dict[str, object]:
    return {"starts_at": _in_days(7), "ends_at": _in_days(7, minutes=90), "reason": "course"}


async def _add_time_away(c: Context) -> Request:
    return _trainer_url(c, "/time-away"), _time_away_body()


async def _remove_time_away(c: Context) -> Request:
    url = _trainer_url(c, "/time-away")
    away_id = await create(c.client, url, c.studio.accounts["owner"], _time_away_body())
    return f"{url}/{away_id}", None


async def _slots(c: Context) -> Request:
    return _trainer_url(c, f"/slots?class_type_id={await _open_appointments(c)}"), None


async def _book_appointment(c: Context) -> Request:
    """A free slot from tomorrow on; the member's monthly membership pays for it."""
    await _sale(c)
    service_id = await _open_appointments(c)
    slots = await c.client.get(
        _trainer_url(c, "/slots"), params={"class_type_id": service_id, "from": _in_days(1)}
    )
    assert slots.status_code == 200, slots.text
    body = {
        "class_type_id": service_id,
        "trainer_id": c.studio.staff_ids["trainer"],
        "starts_at": slots.json()["starts"][0],
    }
    return f"/api/v1/orgs/{c.slug}/appointments", body


async def _booking_qr(c: Context) -> Request:
    return f"/api/v1/orgs/{c.slug}/bookings/{await _member_booking(c)}/qr", None


async def _check_in(c: Context) -> Request:
    """The member's booking of a class starting in ten minutes: check-in is open (from
    30 minutes before), and booking still is (until the start)."""
    await _sale(c)
    body = await _session_body(c, starts_at=_in_days(0, minutes=10))
    owner, member = c.studio.accounts["owner"], c.studio.accounts["member"]
    session_id = await create(c.client, f"/api/v1/orgs/{c.slug}/sessions", owner, body)
    url = f"/api/v1/orgs/{c.slug}/sessions/{session_id}/bookings"
    booking_id = await create(c.client, url, member, None)
    return f"/api/v1/orgs/{c.slug}/checkins", {"booking_id": booking_id}


PLATFORM_ADMIN = authenticated(403, superuser=200)

MATRIX: dict[tuple[str, str], Row] = {
    ("GET", "/api/v1/openapi.json"): Row(_openapi, everyone(200)),
    ("POST", "/api/v1/auth/register"): Row(_register, everyone(201)),
    ("POST", "/api/v1/auth/login"): Row(_login, everyone(200)),
    ("POST", "/api/v1/auth/refresh"): Row(_refresh, everyone(200)),
    ("POST", "/api/v1/auth/logout"): Row(_logout, authenticated(204)),
    ("POST", "/api/v1/auth/password-reset"): Row(_password_reset, everyone(202)),
    ("POST", "/api/v1/auth/password-reset/confirm"): Row(_password_reset_confirm, everyone(204)),
    ("GET", "/api/v1/me"): Row(_me, authenticated(200)),
    ("POST", "/api/v1/admin/users/{user_id}/deactivate"): Row(_deactivate, PLATFORM_ADMIN),
    ("POST", "/api/v1/admin/users/{user_id}/reactivate"): Row(_reactivate, PLATFORM_ADMIN),
    ("POST", "/api/v1/orgs"): Row(_create_studio, authenticated(201)),
    ("GET", "/api/v1/orgs/{org}"): Row(_studio, everyone(200)),
    ("PATCH", "/api/v1/orgs/{org}"): Row(_update_studio, studio_rule(200, "admin")),
    # the member already is one: joining again is a conflict, not a permission matter
    ("POST", "/api/v1/orgs/{org}/join"): Row(_join, authenticated(201, member=409)),
    ("GET", "/api/v1/orgs/{org}/staff"): Row(_staff, studio_rule(200, "admin")),
    ("POST", "/api/v1/orgs/{org}/staff"): Row(_add_staff, studio_rule(201, "admin")),
    ("PATCH", "/api/v1/orgs/{org}/staff/{staff_id}"): Row(_change_staff, studio_rule(200, "admin")),
    ("DELETE", "/api/v1/orgs/{org}/staff/{staff_id}"): Row(
        _remove_staff, studio_rule(204, "admin")
    ),
    ("GET", "/api/v1/orgs/{org}/members"): Row(_members, studio_rule(200, "receptionist")),
    # the member reads their own record; to anyone else who is not staff it does not exist
    ("GET", "/api/v1/orgs/{org}/members/{member_id}"): Row(
        _member, studio_rule(200, "receptionist", denied=404) | {"member": 200}
    ),
    ("PATCH", "/api/v1/orgs/{org}/members/{member_id}"): Row(
        _update_member, studio_rule(200, "receptionist")
    ),
    ("GET", "/api/v1/orgs/{org}/audit"): Row(_audit, studio_rule(200, "admin")),
    ("GET", "/api/v1/orgs/{org}/plans"): Row(_plans, everyone(200)),
    ("POST", "/api/v1/orgs/{org}/plans"): Row(_create_plan, studio_rule(201, "admin")),
    ("POST", "/api/v1/orgs/{org}/plans/{plan_id}/archive"): Row(
        _archive_plan, studio_rule(200, "admin")
    ),
    # only members hold credits: to anyone else their own statement does not exist
    ("GET", "/api/v1/orgs/{org}/me/credits"): Row(_my_credits, authenticated(404, member=200)),
    ("POST", "/api/v1/orgs/{org}/members/{member_id}/credit-adjustments"): Row(
        _adjust_credits, studio_rule(201, "receptionist")
    ),
    # only members hold memberships; another's answer 404, as if they did not exist
    ("GET", "/api/v1/orgs/{org}/me/memberships"): Row(
        _my_memberships, authenticated(404, member=200)
    ),
    ("GET", "/api/v1/orgs/{org}/members/{member_id}/memberships"): Row(
        _member_memberships, studio_rule(200, "receptionist", denied=404) | {"member": 200}
    ),
    # the member's own, but the default policy keeps freezing and cancelling at the desk
    ("POST", "/api/v1/orgs/{org}/memberships/{membership_id}/freeze"): Row(
        _freeze, studio_rule(200, "receptionist", denied=404) | {"member": 403}
    ),
    ("POST", "/api/v1/orgs/{org}/memberships/{membership_id}/unfreeze"): Row(
        _unfreeze, studio_rule(200, "receptionist", denied=404) | {"member": 403}
    ),
    ("POST", "/api/v1/orgs/{org}/memberships/{membership_id}/cancel"): Row(
        _cancel, studio_rule(200, "receptionist", denied=404) | {"member": 403}
    ),
    # only members hold subscriptions; staff read anyone's and may move one to another plan
    ("GET", "/api/v1/orgs/{org}/me/subscriptions"): Row(
        _my_subscriptions, authenticated(404, member=200)
    ),
    ("GET", "/api/v1/orgs/{org}/members/{member_id}/subscriptions"): Row(
        _member_subscriptions, studio_rule(200, "receptionist", denied=404) | {"member": 200}
    ),
    ("POST", "/api/v1/orgs/{org}/subscriptions/{subscription_id}/change-plan"): Row(
        _change_plan, studio_rule(200, "receptionist", denied=404) | {"member": 200}
    ),
    ("POST", "/api/v1/orgs/{org}/orders"): Row(_sell_at_desk, studio_rule(201, "receptionist")),
    ("GET", "/api/v1/orgs/{org}/orders"): Row(_orders, studio_rule(200, "receptionist")),
    ("GET", "/api/v1/orgs/{org}/orders/{order_id}"): Row(_order, studio_rule(200, "receptionist")),
    ("POST", "/api/v1/orgs/{org}/orders/{order_id}/refund"): Row(
        _refund, studio_rule(200, "admin")
    ),
    ("POST", "/api/v1/orgs/{org}/orders/{order_id}/void"): Row(_void, studio_rule(200, "admin")),
    ("GET", "/api/v1/orgs/{org}/invoices"): Row(_invoices, studio_rule(200, "receptionist")),
    # only members have invoices of their own
    ("GET", "/api/v1/orgs/{org}/me/invoices"): Row(_my_invoices, authenticated(404, member=200)),
    # the invoice's member, or staff; to anyone else it does not exist
    ("GET", "/api/v1/orgs/{org}/invoices/{invoice_id}"): Row(
        _invoice, studio_rule(200, "receptionist", denied=404) | {"member": 200}
    ),
    ("GET", "/api/v1/orgs/{org}/invoices/{invoice_id}.html"): Row(
        _invoice_html, studio_rule(200, "receptionist", denied=404) | {"member": 200}
    ),
    ("GET", "/api/v1/orgs/{org}/invoices/{invoice_id}.pdf"): Row(
        _invoice_pdf, studio_rule(200, "receptionist", denied=404) | {"member": 200}
    ),
    ("GET", "/api/v1/orgs/{org}/reports/revenue"): Row(_revenue, studio_rule(200, "admin")),
    ("GET", "/api/v1/orgs/{org}/class-types"): Row(_class_types, everyone(200)),
    ("POST", "/api/v1/orgs/{org}/class-types"): Row(_create_class_type, studio_rule(201, "admin")),
    ("PATCH", "/api/v1/orgs/{org}/class-types/{class_type_id}"): Row(
        _update_class_type, studio_rule(200, "admin")
    ),
    ("POST", "/api/v1/orgs/{org}/class-types/{class_type_id}/archive"): Row(
        _archive_class_type, studio_rule(200, "admin")
    ),
    ("GET", "/api/v1/orgs/{org}/locations"): Row(_locations, everyone(200)),
    ("POST", "/api/v1/orgs/{org}/locations"): Row(_create_location, studio_rule(201, "admin")),
    ("POST", "/api/v1/orgs/{org}/locations/{location_id}/archive"): Row(
        _archive_location, studio_rule(200, "admin")
    ),
    ("GET", "/api/v1/orgs/{org}/sessions"): Row(_sessions, everyone(200)),
    ("POST", "/api/v1/orgs/{org}/sessions"): Row(_schedule, studio_rule(201, "trainer")),
    ("GET", "/api/v1/orgs/{org}/sessions/{session_id}"): Row(_session, everyone(200)),
    # the session's own trainer (the studio's trainer teaches it), or admin+
    ("PATCH", "/api/v1/orgs/{org}/sessions/{session_id}"): Row(
        _update_session, studio_rule(200, "admin") | {"trainer": 200}
    ),
    ("GET", "/api/v1/orgs/{org}/sessions/{session_id}/attendees"): Row(
        _attendees, studio_rule(200, "trainer")
    ),
    # only members book for themselves: to anyone else, staff included, their member
    # record does not exist
    ("POST", "/api/v1/orgs/{org}/sessions/{session_id}/holds"): Row(
        _hold, authenticated(404, member=201)
    ),
    ("POST", "/api/v1/orgs/{org}/sessions/{session_id}/bookings"): Row(
        _book, authenticated(404, member=201)
    ),
    ("POST", "/api/v1/orgs/{org}/holds/{hold_id}/confirm"): Row(
        _confirm_hold, authenticated(404, member=201)
    ),
    ("DELETE", "/api/v1/orgs/{org}/holds/{hold_id}"): Row(
        _release_hold, authenticated(404, member=204)
    ),
    ("GET", "/api/v1/orgs/{org}/me/bookings"): Row(_my_bookings, authenticated(404, member=200)),
    ("POST", "/api/v1/orgs/{org}/bookings"): Row(
        _book_for_member, studio_rule(201, "receptionist")
    ),
    # the booking's member, or staff; to anyone else the booking does not exist
    ("POST", "/api/v1/orgs/{org}/bookings/{booking_id}/cancel"): Row(
        _cancel_booking, studio_rule(200, "receptionist", denied=404) | {"member": 200}
    ),
    ("POST", "/api/v1/orgs/{org}/sessions/{session_id}/waitlist"): Row(
        _join_waitlist, authenticated(404, member=201)
    ),
    ("DELETE", "/api/v1/orgs/{org}/sessions/{session_id}/waitlist"): Row(
        _leave_waitlist, authenticated(404, member=204)
    ),
    # staff see the whole waitlist, the member their own place (API.md)
    ("GET", "/api/v1/orgs/{org}/sessions/{session_id}/waitlist"): Row(
        _waitlist, studio_rule(200, "receptionist", denied=404) | {"member": 200}
    ),
    ("GET", "/api/v1/orgs/{org}/schedules"): Row(_schedules, studio_rule(200, "admin")),
    ("POST", "/api/v1/orgs/{org}/schedules"): Row(_create_schedule, studio_rule(201, "admin")),
    ("PATCH", "/api/v1/orgs/{org}/schedules/{schedule_id}"): Row(
        _update_schedule, studio_rule(200, "admin")
    ),
    ("POST", "/api/v1/orgs/{org}/schedules/{schedule_id}/end"): Row(
        _end_schedule, studio_rule(200, "admin")
    ),
    # Server-Sent Events that never end: opened, their start seen, and closed
    ("GET", "/api/v1/orgs/{org}/sessions/{session_id}/events"): Row(
        _session_events, everyone(200), stream=True
    ),
    ("GET", "/api/v1/orgs/{org}/schedule/events"): Row(
        _schedule_events, everyone(200), stream=True
    ),
    ("GET", "/api/v1/orgs/{org}/trainers/{trainer_id}/availability"): Row(
        _availability, everyone(200)
    ),
    # the trainer (a route of the studio's trainer) manages their own time, or admin+
    ("PUT", "/api/v1/orgs/{org}/trainers/{trainer_id}/availability"): Row(
        _set_availability, studio_rule(200, "admin") | {"trainer": 200}
    ),
    ("POST", "/api/v1/orgs/{org}/trainers/{trainer_id}/time-away"): Row(
        _add_time_away, studio_rule(201, "admin") | {"trainer": 201}
    ),
    ("DELETE", "/api/v1/orgs/{org}/trainers/{trainer_id}/time-away/{exception_id}"): Row(
        _remove_time_away, studio_rule(204, "admin") | {"trainer": 204}
    ),
    ("GET", "/api/v1/orgs/{org}/trainers/{trainer_id}/slots"): Row(_slots, everyone(200)),
    # only members book for themselves: to anyone else their member record does not exist
    ("POST", "/api/v1/orgs/{org}/appointments"): Row(
        _book_appointment, authenticated(404, member=201)
    ),
    # the booking's member; to anyone else, staff included, it does not exist
    ("GET", "/api/v1/orgs/{org}/bookings/{booking_id}/qr"): Row(
        _booking_qr, authenticated(404, member=200)
    ),
    ("POST", "/api/v1/orgs/{org}/checkins"): Row(_check_in, studio_rule(201, "receptionist")),
    # only a member checks out, for themselves; without Stripe keys (as here) it is refused
    ("POST", "/api/v1/orgs/{org}/plans/{plan_id}/checkout"): Row(
        _checkout, authenticated(404, member=409)
    ),
    # Stripe's, whoever calls: nothing without its signature
    ("POST", "/api/v1/webhooks/stripe"): Row(_stripe_webhook, everyone(400)),
    ("POST", "/api/v1/webhooks/stripe/{studio_id}"): Row(_studio_stripe_webhook, everyone(400)),
}


def api_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path template) of every route under /api/v1, HEAD aside."""
    found: set[tuple[str, str]] = set()
    for route in iter_route_contexts(app.routes):
        path = route.path
        if path is None or not path.startswith("/api/v1/"):
            continue
        found.update((method, path) for method in route.methods or () if method != "HEAD")
    return found


def test_the_matrix_covers_every_api_route(app: FastAPI) -> None:
    routes = api_routes(app)
    assert len(routes) >= len(MATRIX)
    assert set(MATRIX) == routes, "add a row for each new route; drop rows of removed ones"


def test_every_row_states_a_status_for_every_role() -> None:
    for key, row in MATRIX.items():
        assert set(row.expected) == set(ROLES), key


CASES = [(key, role) for key in MATRIX for role in ROLES]


@pytest.mark.parametrize(
    ("key", "role"), CASES, ids=[f"{m} {p} as {role}" for (m, p), role in CASES]
)
async def test_route_answers_the_role_its_expected_status(
    client: httpx.AsyncClient,
    database: Database,
    app: FastAPI,
    key: tuple[str, str],
    role: str,
) -> None:
    studio = await staffed_studio(client)
    caller: Account | None
    if role == "anonymous":
        caller = None
    elif role == "superuser":
        caller = await superuser_account(client, database)
    else:
        caller = studio.accounts[role]
    row = MATRIX[key]
    url, body = await row.build(Context(client, database, app, studio, caller))
    method = key[0]
    headers = caller.headers if caller is not None else {}
    if row.stream:
        assert (method, body) == ("GET", None)
        async with streaming_client(app) as live:
            response = await stream_head(live, url, headers)
    else:
        response = await client.request(method, url, headers=headers, json=body)
    expected = row.expected[role]
    assert response.status_code == expected, f"{method} {url} as {role}: {shown(response)}"
    if row.stream and expected == 200:
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-cache"
    if expected == 401:
        assert response.json()["error"]["code"] == "invalid_token"
    if expected == 403:
        assert response.json()["error"]["code"] == "permission_denied"
