"""The studio the benchmark books: an owner, a monthly unlimited plan, members who each
bought it at the desk, the sessions they book, one small class for the race, and a year
of other sessions for the schedule reads.

Everything a booking touches is made through the real code: the owner, studio, class
type, plan, bookable sessions and every sale through the API; the members' accounts
through the auth and members services in one committed transaction (what
`POST /auth/register`, `/auth/login` and `/orgs/{org}/join` run, without paying a
production-strength password hash per member). Only the filler sessions nobody books are
inserted directly, with the columns `bookings.sessions.schedule` writes.
"""

from __future__ import annotations

import asyncio
import functools
import secrets
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import text

import fitflow.models  # noqa: F401 - every mapper, as the app loads them
from fitflow.auth import service as auth
from fitflow.auth.runtime import AuthRuntime
from fitflow.config import Settings
from fitflow.kit.db import Database
from fitflow.members import service as members

T = TypeVar("T")
TIMEZONE = "Europe/Berlin"
SETUP_CONCURRENCY = 16
CLASS_TYPE = {"name": "Spin", "duration_minutes": 45, "default_capacity": 20, "credit_cost": 1}
MONTHLY = {
    "kind": "unlimited",
    "name": "Monthly unlimited",
    "price_minor": 9000,
    "billing_period": "month",
}


@dataclass(frozen=True)
class Plan:
    """How much to seed."""

    members: int = 1000
    bookable_sessions: int = 1000
    """Sessions the booking scenarios (and pgbench) spread over, all inside the booking
    window (the default policy opens booking 14 days ahead) and the monthly membership."""
    bookable_capacity: int = 200
    hot_capacity: int = 20
    total_sessions: int = 10_000
    filler_weeks: int = 45
    """Weeks the sessions nobody books are spread over, from 8 weeks back."""


@dataclass(frozen=True)
class Member:
    member_id: str
    user_id: str
    headers: dict[str, str]


@dataclass(frozen=True)
class Floor:
    slug: str
    organization_id: str
    owner: dict[str, str]
    members: list[Member]
    bookable: list[str]
    """Session ids the booking scenarios book, in start order."""
    hot_session: str
    week_from: datetime
    week_to: datetime
    sessions_in_database: int

    @property
    def base(self) -> str:
        return f"/api/v1/orgs/{self.slug}"

    def pair(self, k: int) -> tuple[Member, str]:
        """The k-th (member, session) pair: member k mod M with session (k div M + k mod
        M) mod S. Injective for k < M * S, and consecutive pairs differ in both, so
        concurrent bookings spread over members and sessions."""
        count, sessions = len(self.members), len(self.bookable)
        member = k % count
        return self.members[member], self.bookable[(k // count + member) % sessions]

    @property
    def pairs(self) -> int:
        return len(self.members) * len(self.bookable)


async def bounded(limit: int, calls: list[Callable[[], Awaitable[T]]]) -> list[T]:
    semaphore = asyncio.Semaphore(limit)

    async def run(call: Callable[[], Awaitable[T]]) -> T:
        async with semaphore:
            return await call()

    return list(await asyncio.gather(*(run(call) for call in calls)))


async def ok(response: Awaitable[httpx.Response]) -> dict[str, Any]:
    answer = await response
    if answer.status_code not in (200, 201):
        raise RuntimeError(f"{answer.request.method} {answer.request.url}: {answer.text}")
    body: dict[str, Any] = answer.json()
    return body


def next_monday(now: datetime) -> datetime:
    """Local midnight of the Monday after `now` in the studio's timezone, as UTC."""
    local = now.astimezone(ZoneInfo(TIMEZONE))
    days = 7 - local.weekday()
    monday = (local + timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)
    return monday.replace(tzinfo=ZoneInfo(TIMEZONE)).astimezone(UTC)


async def seed(
    client: httpx.AsyncClient, database: Database, settings: Settings, plan: Plan
) -> Floor:
    owner = await _owner(client)
    slug = f"bench-{uuid.uuid4().hex[:8]}"
    studio = await ok(
        client.post(
            "/api/v1/orgs",
            headers=owner,
            json={"name": "Bench Studio", "slug": slug, "timezone": TIMEZONE, "currency": "EUR"},
        )
    )
    base = f"/api/v1/orgs/{slug}"
    class_type = await ok(client.post(f"{base}/class-types", headers=owner, json=CLASS_TYPE))
    monthly = await ok(client.post(f"{base}/plans", headers=owner, json=MONTHLY))
    enrolled = await _enrol(database, settings, uuid.UUID(str(studio["id"])), plan.members)

    async def sell(member: Member) -> None:
        sale = {"member_id": member.member_id, "plan_id": monthly["id"], "method": "cash"}
        await ok(client.post(f"{base}/orders", headers=owner, json=sale))

    await bounded(SETUP_CONCURRENCY, [functools.partial(sell, m) for m in enrolled])

    now = datetime.now(UTC).replace(second=0, microsecond=0)
    first, last = now + timedelta(hours=3), now + timedelta(days=13)
    step = (last - first) / max(plan.bookable_sessions - 1, 1)
    starts = [first + i * step for i in range(plan.bookable_sessions)]

    async def schedule(starts_at: datetime, capacity: int) -> str:
        body = {
            "class_type_id": class_type["id"],
            "starts_at": starts_at.replace(microsecond=0).isoformat(),
            "capacity": capacity,
        }
        return str((await ok(client.post(f"{base}/sessions", headers=owner, json=body)))["id"])

    bookable = await bounded(
        SETUP_CONCURRENCY,
        [functools.partial(schedule, s, plan.bookable_capacity) for s in starts],
    )
    hot = await schedule(now + timedelta(days=2), plan.hot_capacity)
    await _filler_sessions(
        database,
        organization_id=str(studio["id"]),
        class_type_id=str(class_type["id"]),
        count=plan.total_sessions - len(bookable) - 1,
        now=now,
        weeks=plan.filler_weeks,
    )
    monday = next_monday(now)
    return Floor(
        slug=slug,
        organization_id=str(studio["id"]),
        owner=owner,
        members=enrolled,
        bookable=bookable,
        hot_session=hot,
        week_from=monday,
        week_to=monday + timedelta(days=7),
        sessions_in_database=plan.total_sessions,
    )


async def _owner(client: httpx.AsyncClient) -> dict[str, str]:
    email = f"owner-{uuid.uuid4().hex[:10]}@bench.example.com"
    password = secrets.token_urlsafe(16)
    person = {"email": email, "password": password, "full_name": "Bench Owner"}
    await ok(client.post("/api/v1/auth/register", json=person))
    tokens = await ok(
        client.post("/api/v1/auth/login", json={"email": email, "password": password})
    )
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def _enrol(
    database: Database, settings: Settings, organization_id: uuid.UUID, count: int
) -> list[Member]:
    """`count` people register, log in and join the studio, committed together."""
    runtime = AuthRuntime.from_settings(settings)
    password = secrets.token_urlsafe(16)
    enrolled = []
    async with database.sessions() as session:
        for number in range(count):
            email = f"member{number}-{uuid.uuid4().hex[:8]}@bench.example.com"
            user = await auth.register(
                session, runtime, email=email, password=password, full_name=f"Member {number}"
            )
            tokens = await auth.login(session, runtime, email=email, password=password)
            member = await members.join(session, user, organization_id)
            headers = {"Authorization": f"Bearer {tokens.access_token}"}
            enrolled.append(Member(str(member.id), str(user.id), headers))
        await session.commit()
    return enrolled


FILLER_SQL = text(
    """
    INSERT INTO class_sessions (id, organization_id, class_type_id, title, starts_at,
                                ends_at, capacity, taken, credit_units, status, created_at)
    SELECT gen_random_uuid(), ct.organization_id, ct.id, ct.name,
           CAST(:origin AS timestamptz) + n * CAST(:step AS interval),
           CAST(:origin AS timestamptz) + n * CAST(:step AS interval)
               + make_interval(mins => ct.duration_minutes),
           ct.default_capacity, 0, ct.credit_units, 'published', now()
    FROM class_types ct, generate_series(0, :count - 1) AS n
    WHERE ct.id = :class_type_id AND ct.organization_id = :organization_id
    """
)


async def _filler_sessions(
    database: Database,
    *,
    organization_id: str,
    class_type_id: str,
    count: int,
    now: datetime,
    weeks: int,
) -> None:
    """Sessions nobody books, evenly over `weeks` weeks from 8 weeks back (about 200 a
    week with the defaults), so the schedule reads page through a realistic table."""
    if count <= 0:
        return
    origin = now - timedelta(weeks=8)
    step = timedelta(weeks=weeks) / count
    async with database.sessions() as session:
        await session.execute(
            FILLER_SQL,
            {
                "origin": origin,
                "step": step,
                "count": count,
                "class_type_id": class_type_id,
                "organization_id": organization_id,
            },
        )
        await session.commit()
