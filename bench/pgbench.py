"""PostgreSQL's own limit: `bench/booking.sql` (the API's booking transaction) replayed
by pgbench against a copy of the seeded database, so its bookings never touch the
database the API is measured on."""

from __future__ import annotations

import asyncio
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from bench import machine
from bench.seed import Floor
from bench.stats import latency_summary

SCRIPT = Path(__file__).with_name("booking.sql")
PGBENCH_CANDIDATES = ("pgbench", "/usr/lib/postgresql/15/bin/pgbench")


@dataclass(frozen=True)
class PgbenchPlan:
    clients: int
    threads: int
    duration: int
    start_pair: int
    """The first (member, session) pair to book; the API books from pair 0 upwards."""
    hold_seconds: int = 600
    """The studio policy's default, which the API uses for a hold's expiry."""


def find_pgbench() -> str:
    for candidate in PGBENCH_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    raise RuntimeError("pgbench not found: apt-get install -y postgresql-client")


async def copy_database(admin_url: str, source: str, target: str) -> None:
    """`target` as a copy of `source` (which must have no connections)."""
    async with await psycopg.AsyncConnection.connect(admin_url, autocommit=True) as connection:
        await connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(target))
        )
        await connection.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(target), sql.Identifier(source)
            )
        )


async def drop_database(admin_url: str, name: str) -> None:
    async with await psycopg.AsyncConnection.connect(admin_url, autocommit=True) as connection:
        await connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


async def add_pair_tables(url: str, floor: Floor) -> None:
    """The lookup tables the script picks its pair from: member n's user and login (the
    token's claims), session n's id; in the order `Floor.pair` uses."""
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as connection:
        await connection.execute(
            "CREATE TABLE bench_members (n int PRIMARY KEY, user_id uuid, family_id uuid)"
        )
        await connection.execute("CREATE TABLE bench_sessions (n int PRIMARY KEY, session_id uuid)")
        async with connection.cursor() as cursor:
            await cursor.executemany(
                "INSERT INTO bench_members (n, user_id, family_id) SELECT %s, %s, id "
                "FROM token_families WHERE user_id = %s",
                [(n, m.user_id, m.user_id) for n, m in enumerate(floor.members)],
            )
            await cursor.executemany(
                "INSERT INTO bench_sessions (n, session_id) VALUES (%s, %s)",
                list(enumerate(floor.bookable)),
            )
        await connection.execute("VACUUM ANALYZE")


NOTIFY_IN_TRANSACTION = """
CREATE OR REPLACE FUNCTION fitflow_queue_availability(
    organization uuid, session uuid, starts timestamptz
) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify(
        'fitflow_availability',
        organization::text || ' ' || session::text || ' '
            || floor(extract(epoch FROM starts))::bigint::text
    );
END
$$
"""


async def notify_in_transaction(url: str) -> None:
    """The copy's availability trigger sends its NOTIFY in the booking's transaction, as
    FitFlow did before the relay: the control that shows what the relay saves."""
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as connection:
        await connection.execute(NOTIFY_IN_TRANSACTION)


def pgbench_command(
    pgbench: str, url: str, floor: Floor, plan: PgbenchPlan, log_prefix: Path
) -> list[str]:
    variables = {
        "start": plan.start_pair,
        "n": 0,
        "clients": plan.clients,
        "members": len(floor.members),
        "sessions": len(floor.bookable),
        "org": floor.organization_id,
        "slug": floor.slug,
        "hold_seconds": plan.hold_seconds,
    }
    defines = [arg for name, value in variables.items() for arg in ("-D", f"{name}={value}")]
    return [
        pgbench,
        "--no-vacuum",
        "--protocol=prepared",  # psycopg prepares a statement after its fifth use
        f"--client={plan.clients}",
        f"--jobs={plan.threads}",
        f"--time={plan.duration}",
        "--log",
        f"--log-prefix={log_prefix}",
        *defines,
        f"--file={SCRIPT}",
        url,
    ]


def _empty_directory(workdir: Path) -> None:
    workdir.mkdir(parents=True, exist_ok=True)
    for old in workdir.glob("pgbench*"):
        old.unlink()


async def run_pgbench(
    pgbench: str,
    *,
    url: str,
    database: str,
    floor: Floor,
    plan: PgbenchPlan,
    workdir: Path,
) -> dict[str, Any]:
    """Run the script for the plan's duration; tps, latency percentiles from the
    per-transaction log, what the backends waited on, and the CPU it all took."""
    _empty_directory(workdir)
    command = pgbench_command(pgbench, url, floor, plan, workdir / "pgbench")
    meter = machine.CpuMeter({})
    meter.start()
    pgbench_before = machine.reaped_children_cpu_seconds()
    async with machine.watch_database(url, database) as watch:
        process = await asyncio.create_subprocess_exec(
            *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        stdout, stderr = await process.communicate()
    cpu = {
        **meter.stop(),
        "postgres_cpu_s": round(watch.cpu_seconds(), 2),
        "postgres_backends_seen": watch.backends_seen,
        "pgbench_cpu_s": round(machine.reaped_children_cpu_seconds() - pgbench_before, 2),
    }
    output = stdout.decode() + stderr.decode()
    if process.returncode != 0:
        raise RuntimeError(f"pgbench failed ({process.returncode}):\n{output[-3000:]}")
    latencies, failed = _transaction_log(workdir)
    tps = _number(r"tps = ([\d.]+) \(without initial connection time\)", output)
    processed = int(_number(r"number of transactions actually processed: (\d+)", output))
    return {
        "command": " ".join(command),
        "clients": plan.clients,
        "threads": plan.threads,
        "duration_s": plan.duration,
        "transactions": processed,
        "failed_transactions": failed,
        "tps": round(tps, 1),
        **latency_summary(latencies),
        "cpu": {
            **cpu,
            "postgres_cpu_ms_per_txn": _per(cpu["postgres_cpu_s"], processed),
            "pgbench_cpu_ms_per_txn": _per(cpu["pgbench_cpu_s"], processed),
        },
        "backend_states": machine.share(watch.waits),
        "output_tail": output.strip().splitlines()[-6:],
    }


def _per(cpu_seconds: float, count: int) -> float:
    return round(cpu_seconds * 1000 / count, 3) if count else 0.0


def _number(pattern: str, text: str) -> float:
    found = re.search(pattern, text)
    if found is None:
        raise RuntimeError(f"pgbench output lacks {pattern!r}:\n{text[-2000:]}")
    return float(found.group(1))


def _transaction_log(workdir: Path) -> tuple[list[float], int]:
    """Latency in seconds of every committed transaction, and how many failed: pgbench's
    log lines read `client transaction latency_us script epoch_s epoch_us`."""
    latencies: list[float] = []
    failed = 0
    for log in workdir.glob("pgbench.*"):
        for line in log.read_text().splitlines():
            fields = line.split()
            if len(fields) >= 3 and fields[2].isdigit():
                latencies.append(int(fields[2]) / 1_000_000)
            elif len(fields) >= 3:
                failed += 1
    return latencies, failed
