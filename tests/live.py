"""A real uvicorn server on loopback, in a thread, for tests that need HTTP from outside
the test's event loop (schemathesis, the browser); and the environment for running the
`fitflow` commands themselves."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette

START_TIMEOUT_SECONDS = 20


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serve(app: Starlette, port: int | None = None, **options: Any) -> Iterator[str]:
    """Run `app` (with its lifespan) until the block ends; yields its base URL.
    `options` are uvicorn's."""
    port = port or free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, **options)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=START_TIMEOUT_SECONDS)


def command_environment(database_url: str, data_dir: Path, **settings: str) -> dict[str, str]:
    """The environment of a `fitflow` command under test: this test run's secret and
    database in the testing environment, no other inherited FITFLOW_ variable, then
    `settings` (FITFLOW_ names)."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("FITFLOW_")}
    return {
        **inherited,
        "FITFLOW_ENV": "testing",
        "FITFLOW_SECRET_KEY": os.environ["FITFLOW_SECRET_KEY"],
        "FITFLOW_DATABASE_URL": database_url,
        "FITFLOW_DATA_DIR": str(data_dir),
        **settings,
    }
