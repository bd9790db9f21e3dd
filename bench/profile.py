"""Where the API's CPU goes: py-spy sampling every API worker during a load, summarised
by library (the innermost frame of each sample) and by function (inclusive)."""

from __future__ import annotations

import asyncio
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

CATEGORIES = [
    ("h11", "http parsing (h11)"),
    ("uvicorn", "uvicorn"),
    ("starlette", "starlette/fastapi"),
    ("fastapi", "starlette/fastapi"),
    ("pydantic", "pydantic"),
    ("sqlalchemy", "sqlalchemy"),
    ("psycopg", "psycopg"),
    ("structlog", "logging"),
    ("logging", "logging"),
    ("prometheus_client", "metrics (prometheus)"),
    ("limits", "rate limits (limits/redis)"),
    ("redis", "rate limits (limits/redis)"),
    ("jwt", "jwt"),
    ("coredis", "rate limits (limits/redis)"),
    ("fitflow", "fitflow"),
    ("asyncio", "asyncio"),
    ("selectors", "asyncio"),
    ("json", "json"),
]


def find_py_spy() -> str | None:
    found = shutil.which("py-spy")
    if found:
        return found
    local = Path.home() / ".local" / "bin" / "py-spy"
    return str(local) if local.exists() else None


def _outputs(directory: Path, pids: list[int]) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    return [directory / f"api-{pid}.txt" for pid in pids]


async def record(py_spy: str, pids: list[int], duration: float, directory: Path) -> list[Path]:
    """Sample each process for `duration` seconds (100 Hz, without pausing it); one
    collapsed-stack file per process."""
    outputs = _outputs(directory, pids)
    processes = [
        await asyncio.create_subprocess_exec(
            py_spy,
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(int(duration)),
            "--format",
            "raw",
            "--function",
            "--nonblocking",
            "--output",
            str(output),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        for pid, output in zip(pids, outputs, strict=True)
    ]
    await asyncio.gather(*(process.wait() for process in processes))
    return [output for output in outputs if output.exists()]


IDLE_LEAVES = ("EpollSelector.select", "Condition.wait", "_worker (concurrent")
"""Leaves that are a thread waiting, not working: the event loop's poll for I/O (the
database's answer), and idle thread-pool threads."""
INCLUSIVE = (
    "fitflow/",
    "solve_dependencies",
    "serialize_response",
    "run_in_threadpool",
    "structlog/stdlib.py",
    "h11_impl.py",
    "Session.commit",
    "_compile_w_cache",
    "_split_query",
    "_literal_execute_expanding_parameter",
)
"""Frames whose inclusive share is reported: FitFlow's own functions and a few library
entry points that name a cost (dependencies, serialization, logging, SQL compilation)."""


def _frames(stack: str) -> list[str]:
    return [frame for frame in stack.split(";") if frame]


def _category(frame: str) -> str:
    for needle, name in CATEGORIES:
        if needle in frame:
            return name
    return "other"


def summarise(files: list[Path], top: int = 40) -> dict[str, Any]:
    """Shares of the busy samples (threads waiting left out): self time by library (the
    innermost frame) and inclusive time of FitFlow's functions and named entry points."""
    leaves: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    busy = idle = 0
    for path in files:
        for line in path.read_text().splitlines():
            stack, _, count_text = line.rpartition(" ")
            frames = _frames(stack)
            if not count_text.isdigit() or not frames:
                continue
            count = int(count_text)
            if frames[-1].startswith(IDLE_LEAVES):
                idle += count
                continue
            busy += count
            leaves[_category(frames[-1])] += count
            for frame in set(frames):
                if any(needle in frame for needle in INCLUSIVE):
                    inclusive[frame] += count
    if not busy:
        return {"busy_samples": 0, "idle_samples": idle}
    return {
        "busy_samples": busy,
        "idle_samples": idle,
        "self_by_library": {name: round(n / busy, 3) for name, n in leaves.most_common()},
        "inclusive": {frame: round(n / busy, 3) for frame, n in inclusive.most_common(top)},
    }
