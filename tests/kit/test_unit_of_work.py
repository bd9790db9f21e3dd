"""The API edge: bodies where none is taken, names, replays for revoked logins."""

from __future__ import annotations

import httpx
import psycopg
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from fitflow.auth.deps import Session
from fitflow.kit.db import Database
from fitflow.kit.unit_of_work import api_router
from tests.factories import account, studio, superuser_account


async def test_a_body_on_a_route_that_takes_none_is_refused(client: httpx.AsyncClient) -> None:
    owner, member = await account(client), await account(client)
    slug = (await studio(client, owner))["slug"]
    path = f"/api/v1/orgs/{slug}/join"
    refused = await client.post(path, headers=member.headers, json={"role": "owner"})
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "unexpected_body"
    assert (await client.post(path, headers=member.headers, json={})).status_code == 201


async def test_a_blank_name_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/register",
        json={"email": "blank@example.com", "password": "a-long-password", "full_name": "   "},
    )
    assert response.status_code == 422


async def test_names_are_stored_without_surrounding_blanks(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/register",
        json={"email": "trim@example.com", "password": "a-long-password", "full_name": " Ann "},
    )
    assert response.json()["full_name"] == "Ann"


class TestNoReplayForARevokedLogin:
    async def test_after_logout_the_key_no_longer_replays(self, client: httpx.AsyncClient) -> None:
        owner, member = await account(client), await account(client)
        slug = (await studio(client, owner))["slug"]
        headers = {**member.headers, "Idempotency-Key": "join-then-leave"}
        path = f"/api/v1/orgs/{slug}/join"
        assert (await client.post(path, headers=headers)).status_code == 201
        await client.post(
            "/api/v1/auth/logout",
            headers=member.headers,
            json={"refresh_token": member.refresh_token},
        )
        again = await client.post(path, headers=headers)
        assert again.status_code == 401
        assert "Idempotent-Replayed" not in again.headers

    async def test_a_deactivated_user_gets_no_replay(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        owner, member = await account(client), await account(client)
        operator = await superuser_account(client, database)
        slug = (await studio(client, owner))["slug"]
        headers = {**member.headers, "Idempotency-Key": "join-then-blocked"}
        path = f"/api/v1/orgs/{slug}/join"
        assert (await client.post(path, headers=headers)).status_code == 201
        blocked = await client.post(
            f"/api/v1/admin/users/{member.user_id}/deactivate", headers=operator.headers
        )
        assert blocked.status_code == 200
        assert (await client.post(path, headers=headers)).status_code == 401


class TestDeadlockVictims:
    async def test_a_request_chosen_as_a_deadlock_victim_runs_again(
        self, app: FastAPI, client: httpx.AsyncClient
    ) -> None:
        attempts: list[int] = []
        router = api_router("test")

        @router.post("/test/deadlock-once")
        async def deadlock_once(session: Session) -> dict[str, int]:
            attempts.append(1)
            if len(attempts) == 1:
                raise DBAPIError("SELECT 1", {}, psycopg.errors.DeadlockDetected("deadlock"))
            await session.execute(text("SELECT 1"))
            return {"attempts": len(attempts)}

        app.include_router(router)
        response = await client.post("/api/v1/test/deadlock-once")
        assert response.status_code == 200
        assert response.json() == {"attempts": 2}

    async def test_other_database_errors_are_not_retried(
        self, app: FastAPI, client: httpx.AsyncClient
    ) -> None:
        attempts: list[int] = []
        router = api_router("test")

        @router.post("/test/always-broken")
        async def always_broken() -> None:
            attempts.append(1)
            raise DBAPIError("SELECT 1", {}, psycopg.errors.UndefinedTable("nope"))

        app.include_router(router)
        response = await client.post("/api/v1/test/always-broken")
        assert response.status_code == 500
        assert len(attempts) == 1
