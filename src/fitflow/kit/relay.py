"""The live outbox and its relay.

Triggers do not send `NOTIFY` themselves: PostgreSQL serialises the commits of all
transactions that notified on one database-wide lock, held through their WAL flush, so
a NOTIFY per booking would make bookings commit one at a time. Instead a trigger queues
its notice in `live_outbox` (an unlogged table: no WAL, emptied after a crash, when
nobody is listening anyway). Every API process and job worker runs a `Relay`; each
interval one of them (whoever takes the advisory lock) deletes the committed notices and
sends each distinct one once, in one transaction. A busy class then costs one NOTIFY per
interval, not one per booking, and the listeners (`kit.live.Broadcaster`) see the same
channel and payloads as before. A notice of a transaction still in flight is not visible
to the delete, so the next interval sends it; none is lost.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import psycopg
from psycopg.rows import TupleRow
from sqlalchemy import Column, Table, Text

from fitflow.kit.db import Base
from fitflow.kit.live import keep_connected, stop
from fitflow.kit.metrics import counter

TURN_LOCK = 0x6669_7466_6C6F_77  # the advisory lock key of the relay's turn ("fitflow")

live_outbox = Table(
    "live_outbox",
    Base.metadata,
    Column("channel", Text, nullable=False),
    Column("payload", Text, nullable=False),
    prefixes=["UNLOGGED"],
)

RELAYED = counter("live_notices_relayed_total", "Distinct live notices sent by the relay.")

TAKE_TURN = "SELECT pg_try_advisory_xact_lock(%s)"
DRAIN = """
WITH drained AS (DELETE FROM live_outbox RETURNING channel, payload)
SELECT count(pg_notify(channel, payload))
FROM (SELECT DISTINCT channel, payload FROM drained) AS news
"""


async def relay_once(connection: psycopg.AsyncConnection[TupleRow]) -> int | None:
    """Send the notices committed so far, each distinct one once; how many, or None
    when another process's relay has the turn."""
    async with connection.transaction():
        turn = await (await connection.execute(TAKE_TURN, (TURN_LOCK,))).fetchone()
        if turn is None or not turn[0]:
            return None
        sent = await (await connection.execute(DRAIN)).fetchone()
        count = int(sent[0]) if sent else 0
    RELAYED.inc(count)
    return count


class Relay:
    """Runs `relay_once` every `interval_seconds` on a connection of its own until
    closed; a lost connection is reopened after a second."""

    def __init__(self, conninfo: Callable[[], str], interval_seconds: float) -> None:
        self._conninfo, self._interval = conninfo, interval_seconds
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(keep_connected(self._pump, "live_relay_reconnecting"))

    async def close(self) -> None:
        await stop(self._task)

    async def _pump(self) -> None:
        async with await psycopg.AsyncConnection.connect(self._conninfo()) as connection:
            while True:
                await relay_once(connection)
                await asyncio.sleep(self._interval)
