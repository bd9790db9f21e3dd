"""Facts about the machine and where its CPU went: the cores, PostgreSQL's version, the
commit, and CPU time per process read from /proc (Linux), so each scenario can say how
much CPU the API, the load generator and PostgreSQL spent per request."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import platform
import resource
import subprocess
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU of one process, or None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS


def runqueue_wait_seconds(pid: int) -> float | None:
    """How long the process's threads have waited for a CPU while ready to run
    (/proc/<pid>/task/*/schedstat, second field): CPU starvation, not I/O."""
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return None
    waited = 0
    for task in tasks:
        try:
            waited += int((task / "schedstat").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return waited / 1e9


def machine_cpu_seconds() -> tuple[float, float, float]:
    """(busy, stolen, total) CPU seconds of the whole machine since boot; stolen is the
    time a virtual machine's host ran something else while this machine had work (busy
    counts it too)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values[:8])
    return (total - idle) / TICKS, values[7] / TICKS, total / TICKS


def children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


@dataclass
class CpuMeter:
    """CPU spent between `start()` and `stop()` by named groups of long-lived processes
    and by the whole machine, and how long each group's threads waited for a CPU while
    ready to run (the machine being too busy to run them)."""

    groups: dict[str, list[int]]
    _before: dict[int, float] = field(default_factory=dict)
    _waited: dict[int, float] = field(default_factory=dict)
    _machine: tuple[float, float, float] = (0.0, 0.0, 0.0)
    _wall: float = 0.0

    def start(self) -> None:
        self._before, self._waited = {}, {}
        for pids in self.groups.values():
            for pid in pids:
                cpu, waited = process_cpu_seconds(pid), runqueue_wait_seconds(pid)
                if cpu is not None:
                    self._before[pid] = cpu
                if waited is not None:
                    self._waited[pid] = waited
        self._machine = machine_cpu_seconds()
        self._wall = time.monotonic()

    def stop(self) -> dict[str, Any]:
        """CPU seconds per group, plus the machine's busy cores on average."""
        wall = time.monotonic() - self._wall
        after = machine_cpu_seconds()
        report: dict[str, Any] = {"wall_s": round(wall, 3)}
        for name, pids in self.groups.items():
            spent = waited = 0.0
            for pid in set(pids):
                cpu, queued = process_cpu_seconds(pid), runqueue_wait_seconds(pid)
                if cpu is not None:
                    spent += cpu - self._before.get(pid, 0.0)
                if queued is not None:
                    waited += queued - self._waited.get(pid, 0.0)
            report[f"{name}_cpu_s"] = round(spent, 2)
            report[f"{name}_runqueue_wait_s"] = round(waited, 2)
        busy, stolen, total = (now - then for now, then in zip(after, self._machine, strict=True))
        report["machine_busy_cores"] = round(busy / wall, 2) if wall else 0.0
        report["machine_busy_share"] = round(busy / total, 3) if total else 0.0
        report["machine_stolen_cores"] = round(stolen / wall, 2) if wall else 0.0
        return report


@dataclass
class DatabaseWatch:
    """What a database's client backends did while the watch ran: their states and wait
    events, sampled, and the CPU they spent (read from /proc while they live, so a
    backend that ends loses at most one sampling interval)."""

    waits: Counter[str] = field(default_factory=Counter)
    _baseline: dict[int, float] = field(default_factory=dict)
    _last: dict[int, float] = field(default_factory=dict)

    def cpu_seconds(self) -> float:
        return sum(last - self._baseline.get(pid, 0.0) for pid, last in self._last.items())

    @property
    def backends_seen(self) -> int:
        """Distinct backends (connections) seen: more than the pools hold means
        connections were opened and closed during the watch."""
        return len(self._last)

    def observe_cpu(self, pids: Iterable[int], *, baseline: bool = False) -> None:
        for pid in pids:
            cpu = process_cpu_seconds(pid)
            if cpu is None:
                continue
            if baseline:
                self._baseline[pid] = cpu
            self._last[pid] = cpu


WATCH_QUERY = (
    "SELECT pid, state, wait_event_type, wait_event FROM pg_stat_activity "
    "WHERE datname = %s AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
)


@contextlib.asynccontextmanager
async def watch_database(
    url: str, database: str, interval: float = 0.02, cpu_every: int = 10
) -> AsyncIterator[DatabaseWatch]:
    """Sample what the database's backends are doing every `interval` seconds (`active
    cpu`, `active Lock:transactionid`, `idle in transaction Client:ClientRead`: waiting
    for the application, ...) and, every `cpu_every` samples, their CPU."""
    watch = DatabaseWatch()
    connection = await psycopg.AsyncConnection.connect(url, autocommit=True)
    cursor = await connection.execute(WATCH_QUERY, (database,))
    watch.observe_cpu([int(row[0]) for row in await cursor.fetchall()], baseline=True)

    async def sample() -> None:
        samples = 0
        while True:
            cursor = await connection.execute(WATCH_QUERY, (database,))
            rows = await cursor.fetchall()
            for _, state, kind, event in rows:
                if state != "idle":
                    watch.waits[f"{state} {kind}:{event}" if kind else f"{state} cpu"] += 1
            samples += 1
            if samples % cpu_every == 0:
                watch.observe_cpu(int(row[0]) for row in rows)
            await asyncio.sleep(interval)

    task = asyncio.create_task(sample())
    try:
        yield watch
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        cursor = await connection.execute(WATCH_QUERY, (database,))
        watch.observe_cpu(int(row[0]) for row in await cursor.fetchall())
        await connection.close()


def share(counter: Counter[str]) -> dict[str, float]:
    total = sum(counter.values())
    return {key: round(n / total, 3) for key, n in counter.most_common()} if total else {}


def git_commit(root: Path) -> dict[str, Any]:
    def git(*args: str) -> str:
        return subprocess.run(  # noqa: S603 - fixed git arguments
            ["git", *args],  # noqa: S607 - git from PATH
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
        ).stdout

    changed = [line[3:] for line in git("status", "--porcelain").splitlines() if line]
    return {
        "commit": git("rev-parse", "HEAD").strip(),
        "dirty": bool(changed),
        "changed_paths": changed,
    }


def source_digest(root: Path) -> str:
    """SHA-256 over the paths and contents of src/ and migrations/: two runs with the
    same digest measured the same code, committed or not."""
    digest = hashlib.sha256()
    for folder in ("src", "migrations"):
        for path in sorted((root / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def facts(root: Path, server_version: str) -> dict[str, Any]:
    return {
        "cores": os.cpu_count(),
        "load_average": [round(v, 2) for v in os.getloadavg()],
        "platform": platform.platform(),
        "python": platform.python_version(),
        "postgresql": server_version,
        "git": git_commit(root),
        "source_sha256": source_digest(root),
    }


def reaped_children_cpu_seconds() -> float:
    """CPU of this process's children that have ended and been waited for (pgbench)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
