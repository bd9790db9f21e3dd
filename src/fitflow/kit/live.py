"""Live updates across processes: one PostgreSQL LISTEN connection per process, fanned
out to in-process subscribers. Whatever process or worker commits a change, the relay
(`kit.relay`) sends its NOTIFY, which PostgreSQL delivers to every listening process,
which hands it to its subscribers."""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable

import psycopg

from fitflow.kit.logging import get_logger

log = get_logger("fitflow.live")
QUEUE_SIZE = 256
RETRY_SECONDS = 1.0


class Broadcaster:
    """Subscribers wait on a queue of payloads published under their key; `keys_of`
    says which keys a payload concerns. The LISTEN connection opens with the first
    subscriber and reconnects after a failure (payloads sent meanwhile are missed, so a
    subscriber should re-read the state it shows when it resumes)."""

    def __init__(
        self, conninfo: Callable[[], str], channel: str, keys_of: Callable[[str], list[str]]
    ) -> None:
        self._conninfo, self._channel, self._keys_of = conninfo, channel, keys_of
        self._subscribers: dict[str, set[asyncio.Queue[str]]] = defaultdict(set)
        self._task: asyncio.Task[None] | None = None
        self._listening = asyncio.Event()

    @contextlib.asynccontextmanager
    async def subscribe(self, key: str) -> AsyncIterator[asyncio.Queue[str]]:
        """A queue receiving the payloads for `key` while the block runs; returns once
        the process is listening, so nothing committed afterwards is missed."""
        queue: asyncio.Queue[str] = asyncio.Queue(QUEUE_SIZE)
        self._subscribers[key].add(queue)
        try:
            if self._task is None or self._task.done():
                self._listening.clear()
                self._task = asyncio.create_task(
                    keep_connected(self._pump, "live_listener_reconnecting")
                )
            await self._listening.wait()
            yield queue
        finally:
            self._subscribers[key].discard(queue)
            if not self._subscribers[key]:
                del self._subscribers[key]

    async def close(self) -> None:
        await stop(self._task)

    async def _pump(self) -> None:
        async with await psycopg.AsyncConnection.connect(
            self._conninfo(), autocommit=True
        ) as connection:
            await connection.execute(f"LISTEN {self._channel}")
            self._listening.set()
            async for note in connection.notifies():
                self._fan_out(note.payload)

    def _fan_out(self, payload: str) -> None:
        for key in self._keys_of(payload):
            for queue in list(self._subscribers.get(key, ())):
                if queue.full():  # a slow reader: it only needs the latest news
                    queue.get_nowait()
                queue.put_nowait(payload)


async def keep_connected(
    pump: Callable[[], Awaitable[None]], event: str, *, retry_seconds: float = RETRY_SECONDS
) -> None:
    """Run `pump` (which holds a database connection of its own) for ever, starting it
    again `retry_seconds` after it fails: a lost connection is logged as a warning, any
    other failure as an error with its traceback, and neither ends the live updates."""
    while True:
        try:
            await pump()
        except (OSError, psycopg.Error) as failure:
            log.warning(event, error=str(failure))
        except Exception:
            log.exception(event)
        await asyncio.sleep(retry_seconds)


async def stop(task: asyncio.Task[None] | None) -> None:
    """Cancel a background task and wait until it has ended."""
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
