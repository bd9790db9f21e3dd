"""Emails up to the 254 characters registration accepts work everywhere, lockout included."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from fitflow.app import create_app
from fitflow.config import Settings
from fitflow.kit.db import Database
from tests.conftest import make_settings
from tests.factories import account

LONG_EMAIL = "a" * 60 + "@" + "b" * 40 + ".example.com"


async def test_failures_on_a_long_email_are_counted_and_lock_it(
    settings: Settings, database: Database
) -> None:
    app: FastAPI = create_app(
        make_settings(str(settings.database_url), lockout={"threshold": 3}), database
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://fitflow.test") as client:
        user = await account(client, email=LONG_EMAIL)
        assert len(user.email) > 80
        body = {"email": user.email, "password": "not-the-password"}
        statuses = [
            (await client.post("/api/v1/auth/login", json=body)).status_code for _ in range(3)
        ]
        right = await client.post(
            "/api/v1/auth/login", json={"email": user.email, "password": user.password}
        )
    assert statuses == [401, 401, 401]
    assert right.status_code == 429
    assert right.json()["error"]["code"] == "login_locked"
