"""Serving with several workers keeps TCP_NODELAY on the connections they accept and,
on Linux, spreads new connections over the workers."""

from __future__ import annotations

import socket
from multiprocessing.reduction import ForkingPickler

import pytest

from fitflow.serving import PER_WORKER_SOCKETS, TcpConfig


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


@pytest.mark.skipif(not PER_WORKER_SOCKETS, reason="a socket per worker needs Linux")
def test_each_worker_listens_on_a_socket_of_its_own_at_the_same_address() -> None:
    config = TcpConfig("fitflow.app:create_app", host="127.0.0.1", port=0, workers=2)
    supervisor = config.bind_socket()
    # What each spawned worker receives: the socket as multiprocessing pickles it.
    workers = [ForkingPickler.loads(ForkingPickler.dumps(supervisor)) for _ in range(2)]
    try:
        for worker in workers:
            assert worker.getsockname() == supervisor.getsockname()
            assert worker.fileno() != supervisor.fileno()
            assert worker.proto == socket.IPPROTO_TCP
            worker.listen()
            worker.setblocking(False)
        accepted = [0, 0]
        clients = [socket.create_connection(supervisor.getsockname()) for _ in range(40)]
        for index, worker in enumerate(workers):
            while True:
                try:
                    connection, _ = worker.accept()
                except BlockingIOError:
                    break
                connection.close()
                accepted[index] += 1
        for client in clients:
            client.close()
        # The kernel spreads connections over the workers' queues (by address hash).
        assert sum(accepted) == 40
        assert min(accepted) > 0
    finally:
        for sock in (supervisor, *workers):
            sock.close()
