"""The processes under test: `fitflow serve` (the API, N uvicorn workers) and, as
production runs it, a separate `fitflow worker`; each in its own process group with its
output in a log file."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

START_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 20
FITFLOW = [sys.executable, "-c", "from fitflow.cli import main; main()"]
"""The `fitflow` command, run by this interpreter (the project's environment)."""
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def log_tail(self, characters: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-characters:]


@dataclass(frozen=True)
class Api:
    base_url: str
    server: Process
    worker: Process | None

    def pids(self) -> list[int]:
        """Every process of the API: the uvicorn supervisor and its children."""
        return [self.server.popen.pid, *_children(self.server.popen.pid)]

    def workers(self) -> list[int]:
        """The uvicorn worker processes, which serve the requests (for profilers)."""
        return [pid for pid in _children(self.server.popen.pid) if b"spawn_main" in _cmdline(pid)]


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    try:
        return [int(child) for child in path.read_text().split()]
    except OSError:
        return []


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


@contextmanager
def _process(name: str, args: list[str], env: dict[str, str], log: Path) -> Iterator[Process]:
    with log.open("wb") as output:
        popen = subprocess.Popen(  # noqa: S603 - our own interpreter and CLI
            args,
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    process = Process(name, popen, log)
    try:
        yield process
    finally:
        _stop(popen)


def _stop(popen: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the process group we started (uvicorn forwards it to its workers)."""
    if popen.poll() is not None:
        return
    os.killpg(popen.pid, signal.SIGTERM)
    try:
        popen.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(popen.pid, signal.SIGKILL)
        popen.wait()


def _wait_until_ready(process: Process, base_url: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            break
        try:
            if httpx.get(f"{base_url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{process.name} did not start:\n{process.log_tail()}")


@contextmanager
def running_api(
    env: dict[str, str],
    directory: Path,
    *,
    port: int,
    with_worker: bool,
) -> Iterator[Api]:
    """`fitflow serve` (and `fitflow worker` when asked) until the block ends."""
    directory.mkdir(parents=True, exist_ok=True)
    base_url = f"http://127.0.0.1:{port}"
    with ExitStack() as stack:
        server = stack.enter_context(
            _process(
                "fitflow serve",
                [*FITFLOW, "serve", "--host", "127.0.0.1", "--port", str(port)],
                env,
                directory / "serve.log",
            )
        )
        worker = stack.enter_context(running_worker(env, directory)) if with_worker else None
        _wait_until_ready(server, base_url)
        yield Api(base_url, server, worker)


@contextmanager
def running_worker(env: dict[str, str], directory: Path) -> Iterator[Process]:
    """`fitflow worker` until the block ends."""
    directory.mkdir(parents=True, exist_ok=True)
    with _process("fitflow worker", [*FITFLOW, "worker"], env, directory / "worker.log") as worker:
        yield worker
