"""The only clock FitFlow reads. Tests freeze it through `frozen`; rules take `now` as an
argument instead of reading it, so they stay pure."""

from __future__ import annotations

import time as _time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

_frozen_at: datetime | None = None


def now() -> datetime:
    """The current instant, timezone-aware in UTC (or the frozen instant in tests)."""
    return _frozen_at if _frozen_at is not None else datetime.now(UTC)


@contextmanager
def frozen(at: datetime) -> Iterator[None]:
    """Freeze `now()` at `at` for the duration of the block."""
    global _frozen_at  # noqa: PLW0603 - the process-wide clock is the point
    if at.tzinfo is None:
        raise ValueError("freeze the clock with an aware datetime")
    previous, _frozen_at = _frozen_at, at.astimezone(UTC)
    try:
        yield
    finally:
        _frozen_at = previous


def monotonic() -> float:
    """Seconds from an arbitrary origin, for measuring durations."""
    return _time.perf_counter()


def wall_epoch() -> float:
    """Real seconds since the epoch, never frozen: for libraries that count in wall time."""
    return _time.time()
