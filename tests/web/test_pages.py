"""The server-rendered pages, without a browser."""

from __future__ import annotations

import httpx

from fitflow.app import create_app
from fitflow.config import Settings
from fitflow.kit.db import Database
from tests.conftest import make_settings


def client_for(app: object, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 50000))  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url="http://fitflow.test")


async def test_the_outbox_is_shown_in_development_to_this_machine_only(
    settings: Settings, database: Database
) -> None:
    development = make_settings(str(settings.database_url), env="development")
    app = create_app(development, database)
    async with client_for(app, "127.0.0.1") as local, client_for(app, "192.0.2.7") as remote:
        assert (await local.get("/dev/outbox")).status_code == 200
        assert (await remote.get("/dev/outbox")).status_code == 404


async def test_the_outbox_does_not_exist_outside_development(client: httpx.AsyncClient) -> None:
    assert (await client.get("/dev/outbox")).status_code == 404


async def test_the_reset_page_carries_the_token_into_its_form(client: httpx.AsyncClient) -> None:
    page = await client.get("/reset-password", params={"token": "abc123"})
    assert page.status_code == 200
    assert 'value="abc123"' in page.text
