"""The booking request and the week page profiled in this process: the app on a scratch
database (`fitflow_bench_inprocess`, seeded small), requests sent through ASGI with no
network, under cProfile. Cheap and repeatable; it shows where the API's own CPU goes
(framework, middleware, auth, ORM, the booking path) without the noise of a load test.

    uv run python -m bench.inprocess --bookings 300 --top 40
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event

from bench import harness
from bench.harness import log, recreate_database, seeding_settings, url_for
from bench.seed import Floor, Plan, seed
from fitflow.app import create_app
from fitflow.kit import migrations
from fitflow.kit.db import Database, libpq_url, use_database

DATABASE = "fitflow_bench_inprocess"


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/11")
    p.add_argument("--bookings", type=int, default=300)
    p.add_argument("--reads", type=int, default=50, help="week pages")
    p.add_argument("--top", type=int, default=30, help="functions listed per profile")
    p.add_argument("--sort", default="cumulative")
    p.add_argument("--dump", type=Path, help="also write each profile to DUMP-<name>.prof")
    p.add_argument("--no-cprofile", action="store_true", help="timings only (for py-spy)")
    return p.parse_args(argv)


async def _timed(
    name: str,
    count: int,
    call: Callable[[int], Awaitable[httpx.Response]],
    options: argparse.Namespace,
) -> dict[str, Any]:
    """`count` sequential calls under cProfile: wall ms per call, then the profile."""
    profiler = cProfile.Profile(time.process_time)  # CPU only: waits and preemption left out
    started, cpu = time.perf_counter(), time.process_time()
    profiler.enable()
    for k in range(count):
        answer = await call(k)
        if answer.status_code not in (200, 201):
            raise RuntimeError(f"{name} {k}: {answer.status_code} {answer.text}")
    profiler.disable()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats(options.sort).print_stats(options.top)
    if options.dump:
        profiler.dump_stats(f"{options.dump}-{name}.prof")
    print(f"\n===== {name}: {count} requests =====\n{out.getvalue()}")
    return {"wall_ms_per_request": 1000 * wall / count, "cpu_ms_per_request": 1000 * cpu / count}


async def _plain(
    count: int, call: Callable[[int], Awaitable[httpx.Response]], offset: int
) -> dict[str, float]:
    started, cpu = time.perf_counter(), time.process_time()
    for k in range(count):
        (await call(k + offset)).raise_for_status()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"wall_ms_per_request": 1000 * wall / count, "cpu_ms_per_request": 1000 * cpu / count}


async def run(options: argparse.Namespace) -> None:
    url = url_for(options.admin_url, DATABASE)
    log(f"recreating {DATABASE}")
    await recreate_database(options.admin_url, DATABASE)
    await asyncio.to_thread(migrations.upgrade, url)
    settings = seeding_settings(url, "inprocess-" + "x" * 40).model_copy(
        update={"redis_url": options.redis_url}
    )
    database = Database.connect(url, settings.database)
    use_database(database)
    statements: list[str] = []
    event.listen(
        database.engine.sync_engine,
        "before_cursor_execute",
        lambda *args: statements.append(str(args[2])),
    )
    app = create_app(settings, database)
    plan = Plan(members=200, bookable_sessions=50, total_sessions=3000)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            log("seeding")
            floor: Floor = await seed(client, database, settings, plan)
            await harness.vacuum_analyze(libpq_url(url))

            async def book(k: int) -> httpx.Response:
                member, session_id = floor.pair(k)
                return await client.post(
                    f"{floor.base}/sessions/{session_id}/bookings", headers=member.headers
                )

            async def week(k: int) -> httpx.Response:
                member = floor.members[k % len(floor.members)]
                params = {
                    "from": floor.week_from.isoformat(),
                    "to": floor.week_to.isoformat(),
                    "limit": "200",
                }
                return await client.get(
                    f"{floor.base}/sessions", params=params, headers=member.headers
                )

            await _plain(20, book, 0)
            await _plain(5, week, 0)
            statements.clear()
            plain = await _plain(options.bookings, book, 20)
            per_booking = len(statements) / options.bookings
            week_plain = await _plain(options.reads, week, 0)
            print("booking:", {**plain, "statements_per_request": per_booking})
            print("week:", week_plain)
            if not options.no_cprofile:
                later = 20 + options.bookings
                booked = await _timed(
                    "booking", options.bookings, lambda k: book(k + later), options
                )
                print("booking under cProfile:", booked)
                print("week under cProfile:", await _timed("week", options.reads, week, options))
    finally:
        await database.dispose()


def main(argv: list[str] | None = None) -> None:
    asyncio.run(run(parse(argv)))


if __name__ == "__main__":
    main()
