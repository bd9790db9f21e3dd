"""The run's moving parts: the bench database, the API's environment, seeding, pgbench
on a copy of the database, the API scenarios and the profiler, in the order `bench.run`
calls them."""

from __future__ import annotations

import asyncio
import itertools
import os
import secrets
import sys
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from bench import capture, load, pgbench, processes
from bench import profile as profiler
from bench.seed import Floor, Plan, seed
from fitflow.config import AuthSettings, Environment, RateLimitSettings, Settings
from fitflow.kit.db import Database, libpq_url

HOLD_LIMIT = "1000000/minute"
"""The default 5 new holds per member a minute would refuse the load (each member books
many sessions in a scenario); raised for the run and reported in the JSON."""
ACCESS_TOKEN_SECONDS = 3600
"""Tokens are minted while seeding and must outlive the run."""
STEADY_DRAIN_SECONDS = 20.0
"""How long the open loop waits for answers after its last request was due."""


@dataclass(frozen=True)
class Options:
    out: Path
    admin_url: str
    database: str
    pgbench_database: str
    redis_url: str
    workers: int
    job_worker: bool
    duration: float
    warmup: float
    spread_clients: int
    steady_rate: float
    hot_contenders: int
    hot_capacity: int
    read_clients: int
    pgbench_clients: int
    pgbench_threads: int
    pgbench_duration: int
    pgbench_after: bool
    notify_control: bool
    members: int
    bookable_sessions: int
    bookable_capacity: int
    sessions: int
    profile: float


def log(message: str) -> None:
    print(f"[bench {datetime.now(UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def url_for(admin_url: str, database: str) -> str:
    """The admin URL with another database (postgresql://..., as FITFLOW_DATABASE_URL)."""
    return make_url(admin_url).set(database=database).render_as_string(hide_password=False)


def api_environment(
    options: Options, url: str, secret: str, port: int, data: Path
) -> dict[str, str]:
    """`fitflow serve` as production runs it, on the bench database and Redis."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("FITFLOW_")}
    return {
        **inherited,
        "FITFLOW_ENV": "production",
        "FITFLOW_SECRET_KEY": secret,
        "FITFLOW_DATABASE_URL": url,
        "FITFLOW_REDIS_URL": options.redis_url,
        "FITFLOW_SERVER__WORKERS": str(options.workers),
        "FITFLOW_SERVER__PUBLIC_URL": f"http://127.0.0.1:{port}",
        "FITFLOW_DATA_DIR": str(data),
        "FITFLOW_JOBS__IN_PROCESS": "false",
        "FITFLOW_NOTIFICATIONS__TRANSPORT": "outbox",
        "FITFLOW_RATE_LIMITS__HOLDS": HOLD_LIMIT,
        "FITFLOW_AUTH__ACCESS_TOKEN_SECONDS": str(ACCESS_TOKEN_SECONDS),
    }


def seeding_settings(url: str, secret: str) -> Settings:
    """The services' settings for seeding and the SQL capture: the API's key, and a
    cheap password hash for the members (no booking checks a password)."""
    return Settings(
        env=Environment.testing,
        database_url=url,
        secret_key=secret,
        auth=AuthSettings(
            access_token_seconds=ACCESS_TOKEN_SECONDS,
            argon2_time_cost=1,
            argon2_memory_kib=1024,
            argon2_parallelism=1,
        ),
        rate_limits=RateLimitSettings(holds=HOLD_LIMIT),
    )


async def recreate_database(admin_url: str, name: str) -> None:
    async with await psycopg.AsyncConnection.connect(
        libpq_url(admin_url), autocommit=True
    ) as connection:
        identifier = sql.Identifier(name)
        await connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(identifier)
        )
        await connection.execute(sql.SQL("CREATE DATABASE {}").format(identifier))


async def vacuum_analyze(url: str) -> None:
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as connection:
        await connection.execute("VACUUM ANALYZE")


async def server_version(admin_url: str) -> str:
    async with await psycopg.AsyncConnection.connect(libpq_url(admin_url)) as connection:
        cursor = await connection.execute("SELECT version()")
        row = await cursor.fetchone()
    return str(row[0]) if row else "unknown"


class Bench:
    def __init__(self, options: Options, work: Path) -> None:
        self.options = options
        self.work = work
        self.secret = secrets.token_urlsafe(48)
        self.port = processes.free_port()
        self.url = url_for(options.admin_url, options.database)
        self.libpq_url = libpq_url(self.url)
        self.pgbench_url = libpq_url(url_for(options.admin_url, options.pgbench_database))
        self.env = api_environment(options, self.url, self.secret, self.port, work / "data")
        self.settings = seeding_settings(self.url, self.secret)
        self.plan = Plan(
            members=options.members,
            bookable_sessions=options.bookable_sessions,
            bookable_capacity=options.bookable_capacity,
            hot_capacity=options.hot_capacity,
            total_sessions=options.sessions,
        )
        self.seconds_seeding = 0.0

    def api(self) -> AbstractContextManager[processes.Api]:
        return processes.running_api(
            self.env,
            self.work / "api",
            port=self.port,
            with_worker=self.options.job_worker,
        )

    async def prepare(self) -> Floor:
        """A fresh, migrated bench database with the studio seeded and analysed."""
        log(f"recreating {self.options.database} and migrating")
        await recreate_database(self.options.admin_url, self.options.database)
        migrate = await asyncio.create_subprocess_exec(
            *processes.FITFLOW,
            "migrate",
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await migrate.communicate()
        if migrate.returncode != 0:
            raise RuntimeError(f"fitflow migrate failed:\n{output.decode()[-3000:]}")
        log(f"seeding {self.plan}")
        started = time.monotonic()
        with self.api() as api:
            database = Database.connect(self.url, self.settings.database)
            try:
                async with httpx.AsyncClient(base_url=api.base_url, timeout=60) as client:
                    floor = await seed(client, database, self.settings, self.plan)
            finally:
                await database.dispose()
        self.seconds_seeding = round(time.monotonic() - started, 1)
        await vacuum_analyze(self.libpq_url)
        return floor

    async def capture(self, floor: Floor) -> dict[str, Any]:
        """The SQL of one booking (pair 0), compared with bench/booking.sql."""
        log("capturing the SQL of one booking")
        found = await capture.capture_booking(self.url, self.settings, floor, 0, pgbench.SCRIPT)
        if not found["script_matches_api"]:
            log("WARNING: bench/booking.sql no longer matches the API's statements")
        return found

    async def pgbench(
        self, floor: Floor, executable: str, label: str, *, notify: bool = False
    ) -> dict[str, Any]:
        """pgbench on a fresh copy of the bench database (the API must be stopped);
        with `notify`, each booking's transaction sends its NOTIFY itself."""
        o = self.options
        log(f"pgbench ({label}): copying {o.database} to {o.pgbench_database}")
        await pgbench.copy_database(libpq_url(o.admin_url), o.database, o.pgbench_database)
        try:
            await pgbench.add_pair_tables(self.pgbench_url, floor)
            if notify:
                await pgbench.notify_in_transaction(self.pgbench_url)
            plan = pgbench.PgbenchPlan(
                clients=o.pgbench_clients,
                threads=o.pgbench_threads,
                duration=o.pgbench_duration,
                start_pair=floor.pairs // 2,  # the API books from pair 0 up
            )
            log(f"pgbench ({label}): {plan.clients} clients for {plan.duration} s")
            return await pgbench.run_pgbench(
                executable,
                url=self.pgbench_url,
                database=o.pgbench_database,
                floor=floor,
                plan=plan,
                workdir=self.work / f"pgbench-{label}",
            )
        finally:
            await pgbench.drop_database(libpq_url(o.admin_url), o.pgbench_database)

    async def scenarios(self, floor: Floor) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """(a) spread, (b) steady, (c) hot, (d) the week's schedule; then, when asked, the
        profiles. Pair 0 was booked by the SQL capture, so the API starts at pair 1."""
        o = self.options
        results: dict[str, Any] = {}
        profiles = None
        with self.api() as api:
            target = load.Target(
                api.base_url,
                floor,
                api.pids(),
                self.libpq_url,
                o.database,
                pairs=itertools.count(1),
            )
            log(f"(a) spread: {o.spread_clients} clients for {o.duration} s")
            results["spread"] = await load.spread(
                target, clients=o.spread_clients, duration=o.duration, warmup=o.warmup
            )
            log(f"(b) steady: {o.steady_rate}/s for {o.duration} s")
            results["steady"] = await load.steady(
                target, rate=o.steady_rate, duration=o.duration, drain=STEADY_DRAIN_SECONDS
            )
            log(f"(c) hot: {o.hot_contenders} members for {o.hot_capacity} spots")
            results["hot"] = await load.hot(
                target, contenders=o.hot_contenders, capacity=o.hot_capacity
            )
            log(f"(d) week schedule: {o.read_clients} clients for {o.duration} s")
            results["week_schedule"] = await load.week_schedule(
                target, clients=o.read_clients, duration=o.duration, warmup=o.warmup
            )
            log(f"(d) again, every page one the cache has not kept, for {o.duration} s")
            results["week_schedule_uncached"] = await load.week_schedule(
                target, clients=o.read_clients, duration=o.duration, warmup=o.warmup, uncached=True
            )
            if o.profile > 0:
                profiles = await self.profile(target, api.workers())
            results["pairs_booked"] = next(target.pairs)
        return results, profiles

    async def profile(self, target: load.Target, workers: list[int]) -> dict[str, Any]:
        """py-spy on every API worker during a spread load, then a week-read load."""
        py_spy = profiler.find_py_spy()
        if py_spy is None:
            return {"skipped": "py-spy not found (uv tool install py-spy)"}
        o = self.options
        found: dict[str, Any] = {
            "tool": "py-spy record --rate 100 --format raw --function --nonblocking",
            "note": "shares of busy samples (wall time not spent waiting, so time the "
            "process was runnable but descheduled counts too)",
        }
        directory = o.out.with_suffix(".profile")
        for name in ("spread", "week_schedule"):
            log(f"profiling the API during {name} for {o.profile} s")
            recording = asyncio.create_task(
                profiler.record(py_spy, workers, o.profile + 1.0, directory / name)
            )
            if name == "spread":
                run = await load.spread(
                    target, clients=o.spread_clients, duration=o.profile, warmup=1.0
                )
            else:
                run = await load.week_schedule(
                    target, clients=o.read_clients, duration=o.profile, warmup=1.0
                )
            files = await recording
            found[name] = {
                "successes_per_s_under_profiler": run["successes_per_s"],
                "files": [str(path) for path in files],
                **profiler.summarise(files),
            }
        return found
