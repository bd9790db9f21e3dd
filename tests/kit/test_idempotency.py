"""Idempotency keys: replay, reuse with another body, caller scope, in-progress and expiry."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import httpx
import psycopg

from fitflow.kit import idempotency, time
from fitflow.kit.db import Database, libpq_url
from fitflow.maintenance import purge_idempotency_keys
from tests.conftest import table_count
from tests.factories import account, login, studio


def keyed(key: str, headers: dict[str, str]) -> dict[str, str]:
    return {**headers, "Idempotency-Key": key}


class TestReplay:
    async def test_same_key_and_body_replays_the_first_response(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        owner, member = await account(client), await account(client)
        slug = (await studio(client, owner))["slug"]
        path = f"/api/v1/orgs/{slug}/join"
        first = await client.post(path, headers=keyed("join-1", member.headers))
        again = await client.post(path, headers=keyed("join-1", member.headers))
        assert first.status_code == again.status_code == 201
        assert again.json() == first.json()
        assert again.headers["Idempotent-Replayed"] == "true"
        assert "Idempotent-Replayed" not in first.headers
        assert await table_count(database, "members") == 1

    async def test_same_key_with_another_body_is_refused(self, client: httpx.AsyncClient) -> None:
        owner = await account(client)
        body = {"name": "One", "slug": "studio-one", "timezone": "UTC", "currency": "EUR"}
        headers = keyed("create", owner.headers)
        assert (await client.post("/api/v1/orgs", json=body, headers=headers)).status_code == 201
        other = await client.post("/api/v1/orgs", json={**body, "name": "Two"}, headers=headers)
        assert other.status_code == 422
        assert other.json()["error"]["code"] == "idempotency_key_reused"

    async def test_keys_are_scoped_to_the_caller(self, client: httpx.AsyncClient) -> None:
        owner, first, second = await account(client), await account(client), await account(client)
        slug = (await studio(client, owner))["slug"]
        path = f"/api/v1/orgs/{slug}/join"
        one = await client.post(path, headers=keyed("same", first.headers))
        two = await client.post(path, headers=keyed("same", second.headers))
        assert one.status_code == two.status_code == 201
        assert "Idempotent-Replayed" not in two.headers
        assert one.json()["id"] != two.json()["id"]

    async def test_a_failed_request_leaves_no_key_and_may_be_retried(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        owner, member = await account(client), await account(client)
        path = "/api/v1/orgs/opens-later/join"
        missing = await client.post(path, headers=keyed("retry", member.headers))
        assert missing.status_code == 404
        assert await table_count(database, "idempotency_keys") == 0
        await studio(client, owner, slug="opens-later")
        retried = await client.post(path, headers=keyed("retry", member.headers))
        assert retried.status_code == 201
        assert "Idempotent-Replayed" not in retried.headers

    async def test_a_key_older_than_its_lifetime_runs_again(
        self, client: httpx.AsyncClient
    ) -> None:
        owner = await account(client)
        body = {"name": "One", "slug": "studio-ttl", "timezone": "UTC", "currency": "EUR"}
        headers = keyed("ttl", owner.headers)
        assert (await client.post("/api/v1/orgs", json=body, headers=headers)).status_code == 201
        with time.frozen(time.now() + timedelta(hours=25)):
            fresh = await login(client, owner.email)
            headers = keyed("ttl", {"Authorization": f"Bearer {fresh['access_token']}"})
            later = await client.post("/api/v1/orgs", json=body, headers=headers)
        assert later.status_code == 409
        assert later.json()["error"]["code"] == "slug_taken"

    async def test_a_malformed_key_is_refused(self, client: httpx.AsyncClient) -> None:
        owner = await account(client)
        for key in ("x" * 256, "has space", ""):
            headers = {**owner.headers, "Idempotency-Key": key}
            response = await client.post(
                "/api/v1/orgs",
                json={"name": "N", "slug": "studio-bad-key", "timezone": "UTC", "currency": "EUR"},
                headers=headers,
            )
            assert response.status_code == 400
            assert response.json()["error"]["code"] == "invalid_idempotency_key"


class TestCredentialResponses:
    async def test_login_ignores_the_key_so_tokens_are_never_stored(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        person = await account(client)
        body = {"email": person.email, "password": person.password}
        headers = {"Idempotency-Key": "login-once"}
        first = await client.post("/api/v1/auth/login", json=body, headers=headers)
        second = await client.post("/api/v1/auth/login", json=body, headers=headers)
        assert first.status_code == second.status_code == 200
        assert first.json()["refresh_token"] != second.json()["refresh_token"]
        assert await table_count(database, "idempotency_keys") == 0


class TestPurge:
    async def test_the_periodic_job_removes_keys_past_their_lifetime(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        owner = await account(client)
        body = {"name": "One", "slug": "studio-purge", "timezone": "UTC", "currency": "EUR"}
        await client.post("/api/v1/orgs", json=body, headers=keyed("old", owner.headers))
        await purge_idempotency_keys(timestamp=0)
        assert await table_count(database, "idempotency_keys") == 1
        with time.frozen(time.now() + timedelta(hours=24, seconds=1)):
            await purge_idempotency_keys(timestamp=0)
        assert await table_count(database, "idempotency_keys") == 0


class TestConcurrency:
    async def test_a_second_request_while_the_first_runs_gets_in_progress(
        self, committed_client: httpx.AsyncClient, committed_database: Database, database_url: str
    ) -> None:
        """The first request is held inside its transaction by a lock on the studio row
        (its insert must check the foreign key); the second, with the same key, is told
        the first is still running; once the first commits, a third is a replay."""
        client = committed_client
        owner, member = await account(client), await account(client)
        created = await studio(client, owner)
        path = f"/api/v1/orgs/{created['slug']}/join"
        headers = keyed("concurrent", member.headers)
        async with await psycopg.AsyncConnection.connect(libpq_url(database_url)) as blocker:
            await blocker.execute(
                "SELECT 1 FROM organizations WHERE id = %s FOR UPDATE",
                (uuid.UUID(str(created["id"])),),
            )
            first = asyncio.create_task(client.post(path, headers=headers))
            await _until_an_advisory_lock_is_held(blocker)
            second = await client.post(path, headers=headers)
            assert not first.done()
            await blocker.rollback()
        assert second.status_code == 409
        assert second.json()["error"]["code"] == "idempotency_key_in_progress"
        first_response = await first
        assert first_response.status_code == 201
        third = await client.post(path, headers=headers)
        assert third.status_code == 201
        assert third.headers["Idempotent-Replayed"] == "true"
        assert third.json() == first_response.json()
        assert await table_count(committed_database, "members") == 1


async def _until_an_advisory_lock_is_held(connection: psycopg.AsyncConnection[Any]) -> None:
    for _ in range(200):
        held = await (
            await connection.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
            )
        ).fetchone()
        if held and int(str(held[0])) > 0:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the first request never took its idempotency lock")


def test_the_fingerprint_covers_method_path_query_and_body() -> None:
    base = idempotency.fingerprint("POST", "/a", "", b"{}")
    assert base == idempotency.fingerprint("POST", "/a", "", b"{}")
    assert base != idempotency.fingerprint("POST", "/a", "", b"{ }")
    assert base != idempotency.fingerprint("POST", "/b", "", b"{}")
    assert base != idempotency.fingerprint("POST", "/a", "x=1", b"{}")
    assert idempotency.fingerprint("POST", "/ab", "", b"") != idempotency.fingerprint(
        "POST", "/a", "", b"b"
    )
