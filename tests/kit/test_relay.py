"""The live outbox's relay: committed notices go out once each, in one NOTIFY transaction
per turn; notices of transactions in flight wait; one relay at a time takes the turn."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import psycopg
import pytest
from bench.processes import running_worker
from psycopg.rows import TupleRow

from fitflow.kit.db import libpq_url
from fitflow.kit.relay import TURN_LOCK, Relay, relay_once
from tests.live import command_environment

CHANNEL = "fitflow_relay_test"
QUIET_SECONDS = 0.3
WORKER_START_SECONDS = 30

Connection = psycopg.AsyncConnection[TupleRow]


@pytest.fixture
def conninfo(database_url: str) -> str:
    return libpq_url(database_url)


@asynccontextmanager
async def _connection(conninfo: str, autocommit: bool = True) -> AsyncIterator[Connection]:
    async with await psycopg.AsyncConnection.connect(conninfo, autocommit=autocommit) as c:
        yield c


async def _queue(connection: Connection, *payloads: str) -> None:
    for payload in payloads:
        await connection.execute(
            "INSERT INTO live_outbox (channel, payload) VALUES (%s, %s)", (CHANNEL, payload)
        )


async def _heard(listener: Connection, seconds: float = QUIET_SECONDS) -> list[str]:
    """The payloads delivered to `listener` within `seconds`."""
    return [note.payload async for note in listener.notifies(timeout=seconds)]


@asynccontextmanager
async def _listening(conninfo: str) -> AsyncIterator[Connection]:
    async with _connection(conninfo) as listener:
        await listener.execute(f"LISTEN {CHANNEL}")
        yield listener


async def test_committed_notices_go_out_once_each_and_leave_the_outbox(conninfo: str) -> None:
    async with _listening(conninfo) as listener, _connection(conninfo, False) as relay:
        async with _connection(conninfo) as writer:
            await _queue(writer, "a", "b", "a", "a")
        assert await _heard(listener) == []  # queued, not notified
        assert await relay_once(relay) == 2
        assert sorted(await _heard(listener)) == ["a", "b"]
        assert await relay_once(relay) == 0


async def test_a_notice_in_flight_waits_for_its_commit(conninfo: str) -> None:
    async with (
        _listening(conninfo) as listener,
        _connection(conninfo, False) as relay,
        _connection(conninfo, False) as writer,
    ):
        await _queue(writer, "late")
        assert await relay_once(relay) == 0
        await writer.commit()
        assert await relay_once(relay) == 1
        assert await _heard(listener) == ["late"]


async def test_one_relay_takes_the_turn_at_a_time(conninfo: str) -> None:
    async with _connection(conninfo, False) as first, _connection(conninfo, False) as second:
        async with first.transaction():
            await first.execute("SELECT pg_advisory_xact_lock(%s)", (TURN_LOCK,))
            assert await relay_once(second) is None
        assert await relay_once(second) == 0


async def test_the_relay_runs_every_interval_until_closed(conninfo: str) -> None:
    relay = Relay(lambda: conninfo, interval_seconds=0.05)
    async with _listening(conninfo) as listener, _connection(conninfo) as writer:
        relay.start()
        try:
            await _queue(writer, "first")
            assert await _heard(listener, 1) == ["first"]
        finally:
            await relay.close()
        await _queue(writer, "after")
        assert await _heard(listener) == []
        await writer.execute("DELETE FROM live_outbox")


async def test_a_job_worker_alone_relays_the_notices(
    conninfo: str, database_url: str, tmp_path: Path
) -> None:
    env = command_environment(
        database_url, tmp_path / "data", FITFLOW_LIVE__RELAY_INTERVAL_SECONDS="0.05"
    )
    async with _listening(conninfo) as listener, _connection(conninfo) as writer:
        with running_worker(env, tmp_path) as worker:
            await _queue(writer, "from a job")
            heard = listener.notifies(timeout=WORKER_START_SECONDS, stop_after=1)
            assert [note.payload async for note in heard] == ["from a job"], worker.log_tail()
