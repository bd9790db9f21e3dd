"""Serving the API with uvicorn, in one process or several.

Two things uvicorn's supervisor does with several workers are changed here:

- It binds the listening socket without naming the protocol, so the sockets it accepts
  do not say they are TCP and asyncio never sets TCP_NODELAY on them: each small
  response on a keep-alive connection then waits for the client's delayed ACK, about
  40 ms on Linux. The sockets made here name IPPROTO_TCP.
- Its workers share that one socket, and whichever worker is awake accepts a burst of
  new connections: keep-alive clients land mostly on one worker, which then serves
  nearly all the load while the others idle. On Linux each worker listens on a socket
  of its own, bound to the same address with SO_REUSEPORT, and the kernel spreads new
  connections over them. Elsewhere the workers share one socket.

uvicorn's own supervisor still starts, watches and restarts the workers.
"""

from __future__ import annotations

import logging
import socket
import sys
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess

log = logging.getLogger("uvicorn.error")
PER_WORKER_SOCKETS = sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def reuse_port_socket(family: int, address: Any) -> socket.socket:
    """A TCP socket bound to `address` that other sockets may bind too (SO_REUSEPORT)."""
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(address)
    sock.set_inheritable(True)
    return sock


class PerWorkerSocket(socket.socket):
    """The supervisor's socket: it holds the address and never listens. A worker it is
    handed to (pickled, as uvicorn starts workers) receives a twin of its own instead,
    bound to the same address, with its own accept queue."""

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        return reuse_port_socket, (self.family, self.getsockname())


class TcpConfig(uvicorn.Config):
    def bind_socket(self) -> socket.socket:
        if self.uds is not None or self.fd is not None:
            return super().bind_socket()
        if self.workers > 1 and PER_WORKER_SOCKETS:
            return self._per_worker_socket()
        bound = super().bind_socket()
        # Without family, type and proto, Python asks the kernel: proto is IPPROTO_TCP.
        return socket.socket(fileno=bound.detach())

    def _per_worker_socket(self) -> socket.socket:
        family = socket.AF_INET6 if self.host and ":" in self.host else socket.AF_INET
        sock = PerWorkerSocket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError as exc:
            log.error(exc)
            sys.exit(3)  # uvicorn's STARTUP_FAILURE
        host, port = sock.getsockname()[:2]
        log.info("Uvicorn running on http://%s:%d, a socket per worker (SO_REUSEPORT)", host, port)
        return sock


def run(app: str, *, workers: int, **options: Any) -> None:
    """Serve the import string `app` (a factory) with `workers` processes."""
    config = TcpConfig(app, workers=workers, **options)
    if workers == 1:
        uvicorn.Server(config).run()
        return
    Multiprocess(config, sockets=[config.bind_socket()]).run()
