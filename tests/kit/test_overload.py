"""A server whose database connections are all busy answers 503, not 500."""

from __future__ import annotations

import httpx

from fitflow.app import create_app
from fitflow.config import Settings
from fitflow.kit.db import Database


async def test_an_exhausted_pool_answers_503_with_retry_after(
    database_url: str, settings: Settings
) -> None:
    tight = settings.database.model_copy(
        update={"pool_size": 1, "max_overflow": 0, "pool_timeout_seconds": 1}
    )
    database = Database.connect(database_url, tight)
    try:
        app = create_app(settings, database)
        transport = httpx.ASGITransport(app=app)
        async with (
            database.engine.connect(),  # the only connection, held for the whole request
            httpx.AsyncClient(transport=transport, base_url="http://fitflow.test") as client,
        ):
            response = await client.get("/api/v1/orgs/anything/class-types")
    finally:
        await database.dispose()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert response.json()["error"]["code"] == "service_busy"
