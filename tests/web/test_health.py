"""Liveness, readiness and metrics."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import FastAPI
from prometheus_client import REGISTRY
from sqlalchemy import text

from fitflow.app import create_app
from fitflow.config import Settings
from fitflow.kit.db import Database
from fitflow.kit.migrations import head_revision, is_pending
from tests.conftest import make_settings


async def test_healthz_answers_without_the_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_is_ready_when_the_schema_is_at_head(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


async def test_readyz_is_unavailable_while_migrations_are_pending(
    client: httpx.AsyncClient, database: Database
) -> None:
    async with database.sessions() as session:
        await session.execute(text("DELETE FROM alembic_version"))
        await session.commit()
    response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["database"] == "migrations pending"


async def test_readyz_stays_ready_when_a_rolling_upgrade_migrated_ahead(
    client: httpx.AsyncClient, database: Database
) -> None:
    """A revision this code does not know comes from a newer release; old processes keep
    serving until they are replaced (migrations only add what old code ignores)."""
    async with database.sessions() as session:
        await session.execute(
            text("UPDATE alembic_version SET version_num = 'from_a_newer_release'")
        )
        await session.commit()
    assert (await client.get("/readyz")).status_code == 200


def test_a_known_older_revision_is_pending_and_the_head_is_not() -> None:
    assert not is_pending(head_revision())
    assert is_pending(None)
    assert not is_pending("unknown_newer_revision")


async def test_readyz_is_unavailable_when_the_database_is_unreachable(settings: Settings) -> None:
    unreachable = Database.connect("postgresql://nobody@127.0.0.1:1/none", settings.database)
    app = create_app(settings, unreachable)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://fitflow.test") as client:
        response = await client.get("/readyz")
    await unreachable.dispose()
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


def sample(name: str, **labels: str) -> float:
    """The current value of a metric in this process (0 before its first count)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_metrics_count_requests_by_route_template(client: httpx.AsyncClient) -> None:
    labels = {"method": "GET", "route": "/api/v1/orgs/{org}", "status": "404"}
    before = sample("fitflow_http_request_duration_seconds_count", **labels)
    await client.get("/api/v1/orgs/no-such-studio")
    await client.get("/api/v1/orgs/another-missing-one")
    assert sample("fitflow_http_request_duration_seconds_count", **labels) == before + 2
    body = (await client.get("/metrics")).text
    assert 'route="/api/v1/orgs/{org}"' in body


async def test_metrics_require_the_token_when_one_is_configured(
    settings: Settings, database: Database
) -> None:
    guarded = make_settings(str(settings.database_url), metrics={"token": "scrape-token"})
    app = create_app(guarded, database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://fitflow.test") as client:
        assert (await client.get("/metrics")).status_code == 401
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        right = await client.get("/metrics", headers={"Authorization": "Bearer scrape-token"})
        assert right.status_code == 200


async def test_metrics_count_login_outcomes(client: httpx.AsyncClient) -> None:
    before = sample("fitflow_logins_total", outcome="invalid_credentials")
    await client.post(
        "/api/v1/auth/login", json={"email": "nobody@example.com", "password": "wrong-password"}
    )
    assert sample("fitflow_logins_total", outcome="invalid_credentials") == before + 1


async def test_readyz_is_unavailable_when_the_in_process_worker_stopped(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    async def crash() -> None:
        raise RuntimeError("the worker lost its database")

    app.state.worker = asyncio.create_task(crash())
    await asyncio.sleep(0)
    response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["worker"] == "stopped"
    assert isinstance(app.state.worker.exception(), RuntimeError)
