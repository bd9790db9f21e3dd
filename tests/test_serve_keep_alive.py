"""`fitflow serve` hands FITFLOW_SERVER__KEEP_ALIVE_SECONDS to the HTTP server: an idle
keep-alive connection is closed once that long has passed, and not before."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.processes import free_port, running_api

from tests.live import command_environment

REQUEST = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
IDLE_SECONDS = 2.5


@contextmanager
def _server(database_url: str, directory: Path, keep_alive: int) -> Iterator[int]:
    port = free_port()
    env = command_environment(
        database_url,
        directory / "data",
        FITFLOW_SERVER__WORKERS="1",
        FITFLOW_SERVER__KEEP_ALIVE_SECONDS=str(keep_alive),
        FITFLOW_JOBS__IN_PROCESS="false",
    )
    with running_api(env, directory, port=port, with_worker=False):
        yield port


def _open_after_idling(port: int) -> bool:
    """Whether a keep-alive connection that answered one request is still open after
    idling for `IDLE_SECONDS`."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        connection.sendall(REQUEST)
        assert connection.recv(4096).startswith(b"HTTP/1.1 200")
        time.sleep(IDLE_SECONDS)
        connection.settimeout(0.5)
        try:
            while connection.recv(4096):  # the rest of the answer, if it came in parts
                pass
        except TimeoutError:
            return True
        return False


def test_an_idle_connection_lives_as_long_as_the_setting_says(
    database_url: str, tmp_path: Path
) -> None:
    with _server(database_url, tmp_path / "short", keep_alive=1) as port:
        assert not _open_after_idling(port)
    with _server(database_url, tmp_path / "long", keep_alive=30) as port:
        assert _open_after_idling(port)
