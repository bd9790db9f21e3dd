"""One command for the whole benchmark (see bench/README.md):

    uv run python -m bench.run [--out bench/results/<timestamp>.json] [--profile 10]

It recreates the bench database, seeds it through the API and the services, checks that
`bench/booking.sql` is still the SQL the API sends for a booking, runs pgbench with that
script (PostgreSQL's own limit), runs the four API scenarios against `fitflow serve` from
this process, runs pgbench again, and writes one JSON file with the figures, the ratio of
the API to pgbench and the targets.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import machine, pgbench, report
from bench.harness import Bench, Options, log, server_version
from fitflow.kit.logging import configure_logging

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
BENCH_DATABASE_PREFIX = "fitflow_bench"


def parse(argv: list[str] | None = None) -> Options:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    p = argparse.ArgumentParser(
        prog="python -m bench.run",
        description="FitFlow's booking benchmark: the API against pgbench of the same SQL.",
    )
    p.add_argument("--out", type=Path, default=RESULTS / f"{stamp}.json")
    p.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    p.add_argument("--database", default="fitflow_bench", help="dropped and recreated")
    p.add_argument("--pgbench-database", default="fitflow_bench_pgbench", help="a copy")
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/11")
    p.add_argument("--workers", type=int, default=2, help="API processes (uvicorn workers)")
    p.add_argument("--no-job-worker", dest="job_worker", action="store_false")
    p.add_argument("--duration", type=float, default=20.0, help="seconds per API scenario")
    p.add_argument("--warmup", type=float, default=3.0, help="seconds before (a) and (d)")
    p.add_argument("--spread-clients", type=int, default=64)
    p.add_argument("--steady-rate", type=float, default=200.0, help="bookings offered per s")
    p.add_argument("--hot-contenders", type=int, default=500)
    p.add_argument("--hot-capacity", type=int, default=20)
    p.add_argument("--read-clients", type=int, default=16)
    p.add_argument("--pgbench-clients", type=int, default=16)
    p.add_argument("--pgbench-threads", type=int, default=2)
    p.add_argument("--pgbench-duration", type=int, default=20)
    p.add_argument("--no-pgbench-after", dest="pgbench_after", action="store_false")
    p.add_argument(
        "--notify-control",
        action="store_true",
        help="also pgbench with a NOTIFY in each booking's transaction (not in the ratio)",
    )
    p.add_argument("--members", type=int, default=1000)
    p.add_argument("--bookable-sessions", type=int, default=1000)
    p.add_argument("--bookable-capacity", type=int, default=200)
    p.add_argument("--sessions", type=int, default=10_000, help="in the database in all")
    p.add_argument("--profile", type=float, default=0.0, help="py-spy seconds per load; 0: off")
    options = Options(**vars(p.parse_args(argv)))
    for name in (options.database, options.pgbench_database):
        if not name.startswith(BENCH_DATABASE_PREFIX):
            p.error(f"{name}: the bench only recreates databases named {BENCH_DATABASE_PREFIX}*")
    if options.database == options.pgbench_database:
        p.error("--database and --pgbench-database must differ")
    if options.members < options.hot_contenders:
        p.error("--members must be at least --hot-contenders")
    return options


async def run(options: Options) -> dict[str, Any]:
    started = datetime.now(UTC)
    executable = pgbench.find_pgbench()
    facts = machine.facts(ROOT, await server_version(options.admin_url))
    with tempfile.TemporaryDirectory(prefix="fitflow-bench-") as scratch:
        bench = Bench(options, Path(scratch))
        floor = await bench.prepare()
        booking_sql = await bench.capture(floor)
        runs = {"before": await bench.pgbench(floor, executable, "before")}
        control = None
        if options.notify_control:
            control = await bench.pgbench(floor, executable, "notify_control", notify=True)
        scenarios, profiles = await bench.scenarios(floor)
        if options.pgbench_after:
            runs["after"] = await bench.pgbench(floor, executable, "after")
    return report.result(
        bench=bench,
        started=started,
        finished=datetime.now(UTC),
        machine=facts,
        booking_sql=booking_sql,
        pgbench_runs=runs,
        notify_control=control,
        scenarios=scenarios,
        profiles=profiles,
    )


def main(argv: list[str] | None = None) -> None:
    options = parse(argv)
    configure_logging("WARNING", json_format=False)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    result = asyncio.run(run(options))
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(json.dumps(result, indent=2) + "\n")
    log(f"wrote {options.out}")
    log(f"pgbench tps {result['pgbench']['tps_mean']}; ratio {result['ratios']}")
    for row in result["targets"]:
        verdict = "PASS" if row["pass"] else "MISS"
        log(f"{verdict} {row['scenario']}: {row['target']}: {row['value']}")


if __name__ == "__main__":
    main()
