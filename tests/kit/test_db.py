"""The pool hands out live connections without a pre-ping: a connection the server ended
while it sat in the pool is dropped at checkout, not handed to a request."""

from __future__ import annotations

import asyncio

import httpx
import psycopg
import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError

from fitflow.kit import db
from fitflow.kit.db import Database, libpq_url


async def _backend_pid(database: Database) -> int:
    async with database.sessions() as session:
        pid = await session.scalar(text("SELECT pg_backend_pid()"))
        await session.commit()
    return int(pid or 0)


async def _terminate_others(database_url: str) -> list[int]:
    """End every other connection to the test database, as a server restart or an
    administrator would, and wait until they are gone."""
    async with await psycopg.AsyncConnection.connect(
        libpq_url(database_url), autocommit=True
    ) as admin:
        others = "datname = current_database() AND pid <> pg_backend_pid()"
        rows = await admin.execute(
            f"SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity WHERE {others}"  # noqa: S608
        )
        pids = [row[0] for row in await rows.fetchall()]
        for _ in range(100):
            left = await admin.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", (pids,)
            )
            if (await left.fetchone()) == (0,):
                break
            await asyncio.sleep(0.02)
    return pids


async def test_a_connection_the_server_ended_is_replaced_at_checkout(
    committed_database: Database, database_url: str
) -> None:
    pid = await _backend_pid(committed_database)
    assert pid in await _terminate_others(database_url)
    assert await _backend_pid(committed_database) != pid


async def test_without_the_check_the_ended_connection_reaches_the_caller(
    committed_database: Database, database_url: str
) -> None:
    """Negative control: the checkout check is what keeps the error away."""
    sync_engine = committed_database.engine.sync_engine
    event.remove(sync_engine, "checkout", db.refuse_closed_connection)
    pid = await _backend_pid(committed_database)
    assert pid in await _terminate_others(database_url)
    with pytest.raises(OperationalError):
        await _backend_pid(committed_database)


async def test_a_request_after_the_server_ended_the_pool_connections_succeeds(
    committed_client: httpx.AsyncClient, database_url: str
) -> None:
    person = {"email": "first@example.com", "password": "a-long-password", "full_name": "A"}
    assert (await committed_client.post("/api/v1/auth/register", json=person)).status_code == 201
    assert await _terminate_others(database_url)
    person = {**person, "email": "second@example.com"}
    assert (await committed_client.post("/api/v1/auth/register", json=person)).status_code == 201
