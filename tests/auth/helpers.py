"""Small helpers shared by the identity tests: calls to the auth API and audit look-ups."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from fitflow.audit.models import AuditEntry
from fitflow.auth.runtime import AuthRuntime
from fitflow.kit.db import Database

AUTH = "/api/v1/auth"


def bearer(access_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token}"}


def error_code(response: httpx.Response) -> str:
    code: str = response.json()["error"]["code"]
    return code


async def me_status(client: httpx.AsyncClient, access_token: str) -> int:
    return (await client.get("/api/v1/me", headers=bearer(access_token))).status_code


async def login(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await client.post(f"{AUTH}/login", json={"email": email, "password": password})


async def refresh(client: httpx.AsyncClient, refresh_token: str) -> httpx.Response:
    return await client.post(f"{AUTH}/refresh", json={"refresh_token": refresh_token})


async def register(
    client: httpx.AsyncClient, email: str, password: str, **extra: object
) -> httpx.Response:
    body: dict[str, object] = {"email": email, "password": password, "full_name": "Ada Person"}
    return await client.post(f"{AUTH}/register", json={**body, **extra})


def runtime_of(app: FastAPI) -> AuthRuntime:
    runtime: AuthRuntime = app.state.auth
    return runtime


async def audit_entries(
    database: Database, action: str, *, subject_id: str | None = None
) -> list[AuditEntry]:
    """Entries of one action in the audit_entries table, oldest first."""
    statement = select(AuditEntry).where(AuditEntry.action == action)
    if subject_id is not None:
        statement = statement.where(AuditEntry.subject_id == subject_id)
    async with database.sessions() as session:
        return list((await session.scalars(statement.order_by(AuditEntry.created_at))).all())


@asynccontextmanager
async def http_client(
    app: FastAPI, *, address: str = "127.0.0.1"
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of `app` whose requests come from `address`."""
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://fitflow.test") as client:
        yield client
