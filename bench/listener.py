"""An experiment, not the product: `fitflow serve` with each uvicorn worker listening on
a socket of its own (SO_REUSEPORT), made as uvicorn's single-process path makes it.

Two things happen with `--workers` above 1 as uvicorn does it, and this launcher
removes both to measure what fixing them would change:

- (Fixed in `fitflow.serving` since.) The supervisor binds one socket with
  `socket.socket(family)`, whose `proto` is 0.
  Accepted sockets inherit it, and asyncio only sets TCP_NODELAY on a socket whose
  `proto` is IPPROTO_TCP, so Nagle's algorithm holds each small response on a keep-alive
  connection until the client's delayed ACK, about 40 ms on Linux
  (https://github.com/Kludex/uvicorn/issues/3149).
- The workers share that one listening socket, and whichever is awake accepts the
  waiting connections: a burst of keep-alive clients lands mostly, or entirely, on one
  worker, which then serves them all while the others idle. With a socket per worker
  and SO_REUSEPORT, the kernel spreads new connections over the workers.

`python -m bench.run --listener-workaround` starts the API through this module; the
JSON says so in `config.api.launcher`. The spawned workers import this module when they
unpickle their `ListenerConfig`, which applies the worker-side change.
"""

from __future__ import annotations

import importlib
import socket
from typing import Any

import uvicorn
import uvicorn.server

_startup = uvicorn.server.Server.startup


def _reuse_port_socket(family: int, address: Any) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(address)
    sock.set_inheritable(True)
    return sock


class ListenerConfig(uvicorn.Config):
    def bind_socket(self) -> socket.socket:
        """The supervisor's socket, bound with SO_REUSEPORT so that each worker can bind
        a twin; it never listens itself."""
        if self.uds or self.fd is not None:
            return super().bind_socket()
        family = socket.AF_INET6 if self.host and ":" in self.host else socket.AF_INET
        return _reuse_port_socket(family, (self.host, self.port))


async def _startup_on_own_socket(
    self: uvicorn.server.Server, sockets: list[socket.socket] | None = None
) -> None:
    """In a worker: listen on a twin of each inherited socket (same address, its own
    accept queue, IPPROTO_TCP so that accepted connections get TCP_NODELAY)."""
    if sockets is not None:
        sockets = [
            _reuse_port_socket(sock.family, sock.getsockname())
            if sock.family in (socket.AF_INET, socket.AF_INET6)
            else sock
            for sock in sockets
        ]
    await _startup(self, sockets=sockets)


uvicorn.server.Server.startup = _startup_on_own_socket  # type: ignore[method-assign]


def main() -> None:
    from fitflow.cli import main as fitflow_main  # noqa: PLC0415 - after the patches

    # `uvicorn.main` the attribute is the click command; the module is what `run` reads.
    vars(importlib.import_module("uvicorn.main"))["Config"] = ListenerConfig
    fitflow_main()


if __name__ == "__main__":
    main()
