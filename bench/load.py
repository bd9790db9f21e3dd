"""The load generator: the four scenarios, run from this process over HTTP/1.1
keep-alive connections against `fitflow serve` in its own processes.

Each simulated client has a connection of its own (`bench.wire.Phone`), as a phone
would. The client is lean on purpose: the generator's CPU is CPU the API lacks on a
small machine (see `bench.wire`).

Latency is measured per request: from just before the request is written in a
closed loop, from the *scheduled* send time in the open loop (so a stalled server
cannot hide its queue: no coordinated omission), and from the release instant in the
race.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import psycopg

from bench import machine, wire
from bench.seed import Floor, Member
from bench.stats import TRANSPORT_ERROR, UNFINISHED, Samples, latency_summary

Request = Callable[[wire.Phone], Awaitable[tuple[int, str | None]]]
TIMEOUT_SECONDS = 30.0


@dataclass
class Target:
    base_url: str
    floor: Floor
    api_pids: list[int]
    database_url: str
    """libpq URL of the API's database (to watch it and check the race)."""
    database: str
    pairs: itertools.count[int] = field(default_factory=itertools.count)
    """The next (member, session) pair to book; every booking takes a new one."""

    @contextlib.asynccontextmanager
    async def clients(self, count: int) -> AsyncIterator[list[wire.Phone]]:
        """`count` clients of one keep-alive connection each, closed afterwards."""
        phones = [wire.Phone(self.base_url) for _ in range(count)]
        try:
            yield phones
        finally:
            await asyncio.gather(*(phone.close() for phone in phones))


def error_code(answer: wire.Answer) -> str | None:
    if answer.status < 400:
        return None
    try:
        return str(json.loads(answer.body)["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return None


async def _send(phone: wire.Phone, method: str, url: str, **kwargs: Any) -> tuple[int, str | None]:
    try:
        async with asyncio.timeout(TIMEOUT_SECONDS):
            answer = await phone.request(method, url, **kwargs)
    except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError) as error:
        return TRANSPORT_ERROR, type(error).__name__
    return answer.status, error_code(answer)


def booking(target: Target) -> Request:
    """Each call books the next pair: a different member and session every time."""

    async def book(client: wire.Phone) -> tuple[int, str | None]:
        member, session_id = target.floor.pair(next(target.pairs))
        url = f"{target.floor.base}/sessions/{session_id}/bookings"
        return await _send(client, "POST", url, headers=member.headers)

    return book


def week_page(target: Target, *, uncached: bool = False) -> Request:
    """The coming week's page. `uncached`: each request starts the week one microsecond
    later than the one before (no session starts then), so every page is one the API's
    page cache has not kept: the full read and serialisation."""
    floor = target.floor
    readers = itertools.cycle(floor.members)
    shifts = itertools.count() if uncached else itertools.repeat(0)

    async def read(client: wire.Phone) -> tuple[int, str | None]:
        member = next(readers)
        params = {
            "from": (floor.week_from + timedelta(microseconds=next(shifts))).isoformat(),
            "to": floor.week_to.isoformat(),
            "limit": "200",
        }
        url = f"{floor.base}/sessions"
        return await _send(client, "GET", url, params=params, headers=member.headers)

    return read


@dataclass
class Measured:
    """CPU and database activity over a scenario, filled when the block ends."""

    report: dict[str, Any] = field(default_factory=dict)

    def per_request(self, requests: int) -> dict[str, float]:
        def per(name: str) -> float:
            seconds = float(self.report.get(f"{name}_cpu_s", 0.0))
            return round(seconds * 1000 / requests, 3) if requests else 0.0

        return {
            "api_cpu_ms_per_request": per("api"),
            "generator_cpu_ms_per_request": per("generator"),
            "postgres_cpu_ms_per_request": per("postgres"),
        }


@contextlib.asynccontextmanager
async def measured(target: Target) -> AsyncIterator[Measured]:
    meter = machine.CpuMeter({"api": target.api_pids, "generator": [os.getpid()]})
    result = Measured()
    async with machine.watch_database(target.database_url, target.database) as watch:
        meter.start()
        yield result
        cpu = meter.stop()
    result.report = {
        **cpu,
        "postgres_cpu_s": round(watch.cpu_seconds(), 2),
        "postgres_backends_seen": watch.backends_seen,
        "backend_states": machine.share(watch.waits),
    }


async def closed_loop(
    clients: list[wire.Phone],
    request: Request,
    *,
    duration: float,
    success: frozenset[int],
) -> tuple[Samples, float]:
    """One loop per client, each sending its next request as soon as the last is
    answered."""
    samples = Samples(success)
    start = time.perf_counter()
    deadline = start + duration

    async def loop(client: wire.Phone) -> None:
        while time.perf_counter() < deadline:
            sent = time.perf_counter()
            status, code = await request(client)
            samples.add(time.perf_counter() - sent, status, code)

    await asyncio.gather(*(loop(client) for client in clients))
    return samples, time.perf_counter() - start


async def open_loop(
    clients: list[wire.Phone],
    request: Request,
    *,
    rate: float,
    duration: float,
    success: frozenset[int],
    drain: float,
) -> tuple[Samples, float, list[float]]:
    """Requests sent on a fixed schedule, `rate` per second, whether or not earlier ones
    were answered; latency counts from each request's scheduled time. Requests still
    unanswered `drain` seconds after the last was due are abandoned and counted as
    `unfinished` (with their latency so far), so an overloaded server cannot stretch the
    run without end. Requests take the clients in turn (a busy client's next request
    waits for its connection). Also returns how late each request left (the
    generator's own lag)."""
    samples = Samples(success)
    lags: list[float] = []
    total = int(rate * duration)
    start = time.perf_counter() + 0.05
    pending: dict[asyncio.Task[None], float] = {}

    async def one(client: wire.Phone, scheduled: float) -> None:
        lags.append(time.perf_counter() - scheduled)
        status, code = await request(client)
        samples.add(time.perf_counter() - scheduled, status, code)

    for number in range(total):
        scheduled = start + number / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        client = clients[number % len(clients)]
        pending[asyncio.create_task(one(client, scheduled))] = scheduled
    _, unfinished = await asyncio.wait(pending, timeout=drain)
    for task in unfinished:
        task.cancel()
        samples.add(time.perf_counter() - pending[task], UNFINISHED, "unfinished")
    await asyncio.gather(*unfinished, return_exceptions=True)
    return samples, time.perf_counter() - start, lags


STEADY_CLIENTS = 256
"""Connections the open loop spreads its requests over (more than it should ever need
at once: at 200/s and 25 ms, five)."""
CREATED = frozenset({201})
OK = frozenset({200})


async def spread(target: Target, *, clients: int, duration: float, warmup: float) -> dict[str, Any]:
    """(a) Closed loop: `clients` members book, each request a new (member, session)."""
    async with target.clients(clients) as users:
        await closed_loop(users, booking(target), duration=warmup, success=CREATED)
        async with measured(target) as usage:
            samples, elapsed = await closed_loop(
                users, booking(target), duration=duration, success=CREATED
            )
    return {
        "clients": clients,
        "duration_s": duration,
        "warmup_s": warmup,
        "bookings_per_s": round(samples.successes / elapsed, 1),
        **samples.summary(elapsed),
        "cpu": {**usage.report, **usage.per_request(samples.count)},
    }


async def steady(target: Target, *, rate: float, duration: float, drain: float) -> dict[str, Any]:
    """(b) Open loop at `rate` bookings per second."""
    async with target.clients(STEADY_CLIENTS) as users:
        await closed_loop(users[:8], booking(target), duration=1.0, success=CREATED)
        async with measured(target) as usage:
            samples, elapsed, lags = await open_loop(
                users,
                booking(target),
                rate=rate,
                duration=duration,
                success=CREATED,
                drain=drain,
            )
    lag = latency_summary(lags)
    return {
        "offered_per_s": rate,
        "duration_s": duration,
        "drain_limit_s": drain,
        "client_connections": STEADY_CLIENTS,
        "achieved_bookings_per_s": round(samples.successes / elapsed, 1),
        **samples.summary(elapsed),
        "latency_from": "scheduled send time",
        "generator_send_lag": {"p99_ms": lag["p99_ms"], "max_ms": lag["max_ms"]},
        "cpu": {**usage.report, **usage.per_request(samples.count)},
    }


async def hot(target: Target, *, contenders: int, capacity: int) -> dict[str, Any]:
    """(c) `contenders` members, each on a warm connection of their own, book the same
    small class at one instant; latency counts from that instant."""
    floor = target.floor
    racers: list[Member] = floor.members[:contenders]
    url = f"{floor.base}/sessions/{floor.hot_session}/bookings"
    samples = Samples(CREATED)
    resumed: list[float] = []
    async with target.clients(len(racers)) as phones:
        await asyncio.gather(*(phone.request("GET", "/healthz") for phone in phones))
        release = asyncio.Event()
        released_at = 0.0

        async def race(phone: wire.Phone, member: Member) -> None:
            await release.wait()
            resumed.append(time.perf_counter() - released_at)
            status, code = await _send(phone, "POST", url, headers=member.headers)
            samples.add(time.perf_counter() - released_at, status, code)

        tasks = [
            asyncio.create_task(race(phone, member))
            for phone, member in zip(phones, racers, strict=True)
        ]
        await asyncio.sleep(0.2)  # every task waits at the line
        async with measured(target) as usage:
            released_at = time.perf_counter()
            release.set()
            await asyncio.gather(*tasks)
            elapsed = time.perf_counter() - released_at
    confirmed, taken = await _hot_ledger(target)
    summary = samples.summary(elapsed)
    return {
        "contenders": contenders,
        "capacity": capacity,
        **summary,
        "within_1s": sum(1 for latency in samples.latencies if latency <= 1.0),
        "all_within_1s": summary["max_ms"] <= 1000 and samples.statuses[TRANSPORT_ERROR] == 0,
        "answered_201": samples.statuses[201],
        "confirmed_in_database": confirmed,
        "taken_in_database": taken,
        "generator_dispatch_max_ms": round(max(resumed, default=0.0) * 1000, 2),
        "cpu": usage.report,
    }


async def _hot_ledger(target: Target) -> tuple[int, int]:
    query = (
        "SELECT (SELECT count(*) FROM bookings WHERE session_id = s.id "
        "AND status = 'confirmed'), s.taken FROM class_sessions s WHERE s.id = %s"
    )
    async with await psycopg.AsyncConnection.connect(target.database_url) as connection:
        cursor = await connection.execute(query, (target.floor.hot_session,))
        row = await cursor.fetchone()
    if row is None:
        raise RuntimeError("the race's session is gone")
    return int(row[0]), int(row[1])


async def week_schedule(
    target: Target, *, clients: int, duration: float, warmup: float, uncached: bool = False
) -> dict[str, Any]:
    """(d) `clients` members read one week's page of the schedule (200 sessions); see
    `week_page` for `uncached`."""
    async with target.clients(clients) as readers:
        first = await readers[0].request(
            "GET",
            f"{target.floor.base}/sessions",
            params={
                "from": target.floor.week_from.isoformat(),
                "to": target.floor.week_to.isoformat(),
                "limit": "200",
            },
            headers=target.floor.members[0].headers,
        )
        if first.status != 200:
            raise RuntimeError(f"the week page answered {first.status}: {first.body[:300]!r}")
        page_items = len(json.loads(first.body)["items"])
        pages = week_page(target, uncached=uncached)
        await closed_loop(readers, pages, duration=warmup, success=OK)
        async with measured(target) as usage:
            samples, elapsed = await closed_loop(readers, pages, duration=duration, success=OK)
    return {
        "clients": clients,
        "duration_s": duration,
        "warmup_s": warmup,
        "week": [target.floor.week_from.isoformat(), target.floor.week_to.isoformat()],
        "items_per_page": page_items,
        "page_bytes": len(first.body),
        "sessions_in_database": target.floor.sessions_in_database,
        **samples.summary(elapsed),
        "cpu": {**usage.report, **usage.per_request(samples.count)},
    }
