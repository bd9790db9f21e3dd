"""The JSON a run writes: machine facts, configuration, the captured SQL, pgbench, the
four scenarios, the ratio of API bookings/s to pgbench tps, and the targets."""

from __future__ import annotations

import os
from dataclasses import asdict
from datetime import datetime
from typing import Any

from bench.harness import HOLD_LIMIT, Bench

SECRET_VARIABLE = "FITFLOW_SECRET_KEY"  # noqa: S105 - a variable name, not a secret
SPREAD_RATIO_TARGET = 0.3


def ratio(numerator: float, denominator: float) -> float | None:
    return round(numerator / denominator, 3) if denominator else None


def targets(scenarios: dict[str, Any], pgbench_tps: float, capacity: int) -> list[dict[str, Any]]:
    spread, steady, hot, week = (
        scenarios["spread"],
        scenarios["steady"],
        scenarios["hot"],
        scenarios["week_schedule"],
    )
    spread_ratio = ratio(spread["bookings_per_s"], pgbench_tps) or 0.0
    return [
        {
            "scenario": "spread",
            "target": f"API bookings/s >= {SPREAD_RATIO_TARGET} x pgbench tps (same run)",
            "value": spread_ratio,
            "pass": spread_ratio >= SPREAD_RATIO_TARGET,
        },
        {
            "scenario": "steady",
            "target": "p95 < 25 ms and p99 < 50 ms at the offered rate",
            "value": {
                "p95_ms": steady["p95_ms"],
                "p99_ms": steady["p99_ms"],
                "errors": sum(steady["errors"].values()),
            },
            "pass": steady["p95_ms"] < 25 and steady["p99_ms"] < 50,
        },
        {
            "scenario": "hot",
            "target": f"every request answered within 1 s and exactly {capacity} confirmed",
            "value": {
                "max_ms": hot["max_ms"],
                "answered_201": hot["answered_201"],
                "confirmed_in_database": hot["confirmed_in_database"],
                "taken_in_database": hot["taken_in_database"],
            },
            "pass": bool(hot["all_within_1s"])
            and hot["answered_201"] == capacity
            and hot["confirmed_in_database"] == capacity
            and hot["taken_in_database"] == capacity,
        },
        {
            "scenario": "week_schedule",
            "target": "p95 < 50 ms",
            "value": week["p95_ms"],
            "pass": week["p95_ms"] < 50 and not week["errors"],
        },
    ]


def configuration(bench: Bench) -> dict[str, Any]:
    o = bench.options
    return {
        "api": {
            "command": "fitflow serve",
            "launcher": "fitflow.cli (as shipped)",
            "workers": o.workers,
            "job_worker": "a separate `fitflow worker` process" if o.job_worker else "none",
            "environment": {
                key: "<random, 64 characters>" if key == SECRET_VARIABLE else value
                for key, value in bench.env.items()
                if key.startswith("FITFLOW_")
            },
            "defaults_kept": "database pool 4 + 4 overflow per process, pool pre-ping, "
            "15 s statement timeout, INFO access log, Prometheus multiprocess metrics",
            "rate_limit_note": f"FITFLOW_RATE_LIMITS__HOLDS raised from 5/minute to "
            f"{HOLD_LIMIT}: each member books many sessions within a scenario",
        },
        "load_generator": "this process (python -m bench.run): asyncio + httpx, HTTP/1.1 "
        "keep-alive connections, on the same machine",
        "seed": {**asdict(bench.plan), "seconds": bench.seconds_seeding},
        "scenarios": {
            "duration_s": o.duration,
            "warmup_s": o.warmup,
            "spread_clients": o.spread_clients,
            "steady_rate": o.steady_rate,
            "hot_contenders": o.hot_contenders,
            "hot_capacity": o.hot_capacity,
            "read_clients": o.read_clients,
        },
        "databases": {"api": o.database, "pgbench": o.pgbench_database},
        "redis": o.redis_url,
    }


def result(
    *,
    bench: Bench,
    started: datetime,
    finished: datetime,
    machine: dict[str, Any],
    booking_sql: dict[str, Any],
    pgbench_runs: dict[str, dict[str, Any]],
    notify_control: dict[str, Any] | None,
    scenarios: dict[str, Any],
    profiles: dict[str, Any] | None,
) -> dict[str, Any]:
    tps = [run["tps"] for run in pgbench_runs.values()]
    pgbench_tps = sum(tps) / len(tps)
    spread_rate = scenarios["spread"]["bookings_per_s"]
    return {
        "benchmark": "FitFlow booking API vs pgbench of the same transaction, same run",
        "started_at": started.isoformat(),
        "finished_at": finished.isoformat(),
        "wall_s": round((finished - started).total_seconds(), 1),
        "machine": {**machine, "load_average_at_end": [round(v, 2) for v in os.getloadavg()]},
        "config": configuration(bench),
        "booking_sql": booking_sql,
        "pgbench": {
            **pgbench_runs,
            "tps_mean": round(pgbench_tps, 1),
            "notify_in_transaction_control": notify_control,
        },
        "scenarios": scenarios,
        "ratios": {
            "spread_bookings_per_s_over_pgbench_tps": ratio(spread_rate, pgbench_tps),
            **{
                f"spread_over_pgbench_{label}": ratio(spread_rate, run["tps"])
                for label, run in pgbench_runs.items()
            },
        },
        "targets": targets(scenarios, pgbench_tps, bench.options.hot_capacity),
        "profile": profiles,
    }
