"""The live listener's and relay's reconnect loop."""

from __future__ import annotations

import asyncio

import psycopg

from fitflow.kit.live import keep_connected, stop


async def test_a_pump_that_fails_in_any_way_is_started_again() -> None:
    failures: list[Exception] = [RuntimeError("a bug"), psycopg.OperationalError("lost")]
    runs = 0
    running = asyncio.Event()

    async def pump() -> None:
        nonlocal runs
        runs += 1
        if failures:
            raise failures.pop(0)
        running.set()
        await asyncio.Event().wait()

    task = asyncio.create_task(keep_connected(pump, "test_pump", retry_seconds=0.01))
    await asyncio.wait_for(running.wait(), timeout=5)
    await stop(task)
    assert (runs, task.cancelled()) == (3, True)
