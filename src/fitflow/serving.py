"""Serving the API with uvicorn, in one process or several.

With several workers, uvicorn's supervisor binds the listening socket without naming
the protocol, so the sockets it accepts do not say they are TCP and asyncio never sets
TCP_NODELAY on them: each small response on a keep-alive connection then waits for the
client's delayed ACK, about 40 ms on Linux. Here the bound socket is re-opened with its
protocol read from the kernel, and uvicorn's own supervisor runs the workers.
"""

from __future__ import annotations

import socket
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess


class TcpConfig(uvicorn.Config):
    def bind_socket(self) -> socket.socket:
        bound = super().bind_socket()
        if bound.family not in (socket.AF_INET, socket.AF_INET6):
            return bound
        # Without family, type and proto, Python asks the kernel: proto is IPPROTO_TCP.
        return socket.socket(fileno=bound.detach())


def run(app: str, *, workers: int, **options: Any) -> None:
    """Serve the import string `app` (a factory) with `workers` processes."""
    config = TcpConfig(app, workers=workers, **options)
    if workers == 1:
        uvicorn.Server(config).run()
        return
    Multiprocess(config, sockets=[config.bind_socket()]).run()
