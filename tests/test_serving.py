"""Serving with several workers keeps TCP_NODELAY on the connections they accept."""

from __future__ import annotations

import socket

from fitflow.serving import TcpConfig


def test_the_listening_socket_says_it_is_tcp() -> None:
    config = TcpConfig("fitflow.app:create_app", host="127.0.0.1", port=0, workers=2)
    listening = config.bind_socket()
    try:
        assert listening.proto == socket.IPPROTO_TCP
        listening.listen()
        with socket.create_connection(listening.getsockname()) as client:
            accepted, _ = listening.accept()
            with accepted:
                # asyncio turns on TCP_NODELAY only for sockets whose proto is TCP.
                assert accepted.proto == socket.IPPROTO_TCP
                assert client.fileno() > 0
    finally:
        listening.close()
