"""Per client address limits on login, registration and password reset, counted in
memory (one process) or in Redis (shared by every API process)."""

from __future__ import annotations

import os
import random
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from limits.aio.storage import MemoryStorage, RedisStorage

from fitflow.kit.db import Database
from tests.auth.conftest import AppFactory
from tests.auth.helpers import AUTH, error_code, http_client, login, register, runtime_of
from tests.conftest import table_count
from tests.factories import PASSWORD, create_user, unique_email

LIMITS = {"login": "3/minute", "registration": "3/minute", "password_reset": "3/minute"}
NO_REDIS = "FITFLOW_REDIS_URL is unset: no Redis server for the shared backend (CI sets it)"


def random_address() -> str:
    """A client address of this test alone, so counts in a shared Redis never collide."""
    return f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"


def redis_url_or_skip() -> str:
    url = os.environ.get("FITFLOW_REDIS_URL")
    if not url:
        pytest.skip(NO_REDIS)
    return url


@pytest.fixture(params=["memory", "redis"])
def backend_url(request: pytest.FixtureRequest) -> str | None:
    """None for the in-memory backend, else the Redis URL."""
    return None if request.param == "memory" else redis_url_or_skip()


async def limited(app_with: AppFactory, redis_url: str | None) -> FastAPI:
    app = app_with(redis_url=redis_url, rate_limits=LIMITS)
    storage = app.state.limiter.storage
    assert isinstance(storage, RedisStorage if redis_url else MemoryStorage)
    await app.state.limiter.reset()
    return app


@pytest.fixture
async def limited_app(app_with: AppFactory, backend_url: str | None) -> AsyncIterator[FastAPI]:
    app = await limited(app_with, backend_url)
    yield app
    await app.state.limiter.reset()


@pytest.fixture
async def limited_client(limited_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(limited_app, address=random_address()) as client:
        yield client


def assert_rate_limited(response: httpx.Response) -> None:
    assert response.status_code == 429
    assert error_code(response) == "rate_limited"
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    assert response.json()["error"]["data"] == {"retry_after": retry_after}


async def reset_request(client: httpx.AsyncClient, email: str) -> httpx.Response:
    return await client.post(f"{AUTH}/password-reset", json={"email": email})


class TestLoginRateLimit:
    async def test_the_fourth_login_in_a_minute_from_one_client_answers_429(
        self, limited_app: FastAPI, limited_client: httpx.AsyncClient, database: Database
    ) -> None:
        email = unique_email()
        await create_user(database, runtime_of(limited_app), email=email)
        for _ in range(3):
            assert (await login(limited_client, email, PASSWORD)).status_code == 200
        assert_rate_limited(await login(limited_client, email, PASSWORD))

    async def test_failed_logins_count_against_the_limit_too(
        self, limited_client: httpx.AsyncClient
    ) -> None:
        for _ in range(3):
            response = await login(limited_client, unique_email(), "not-the-password")
            assert response.status_code == 401
        assert_rate_limited(await login(limited_client, unique_email(), "not-the-password"))

    async def test_the_limit_is_counted_per_client_address(
        self, limited_app: FastAPI, limited_client: httpx.AsyncClient, database: Database
    ) -> None:
        email = unique_email()
        await create_user(database, runtime_of(limited_app), email=email)
        for _ in range(3):
            assert (await login(limited_client, email, PASSWORD)).status_code == 200
        async with http_client(limited_app, address=random_address()) as elsewhere:
            assert (await login(elsewhere, email, PASSWORD)).status_code == 200
        assert_rate_limited(await login(limited_client, email, PASSWORD))


class TestRegistrationRateLimit:
    async def test_the_fourth_registration_in_a_minute_answers_429_and_creates_nothing(
        self, limited_client: httpx.AsyncClient, database: Database
    ) -> None:
        for _ in range(3):
            assert (await register(limited_client, unique_email(), PASSWORD)).status_code == 201
        refused = await register(limited_client, unique_email(), PASSWORD)
        assert_rate_limited(refused)
        assert await table_count(database, "users") == 3


class TestPasswordResetRateLimit:
    async def test_the_fourth_reset_request_in_a_minute_answers_429_and_queues_nothing(
        self, limited_app: FastAPI, limited_client: httpx.AsyncClient, database: Database
    ) -> None:
        email = unique_email()
        await create_user(database, runtime_of(limited_app), email=email)
        for _ in range(3):
            assert (await reset_request(limited_client, email)).status_code == 202
        assert_rate_limited(await reset_request(limited_client, email))
        assert await table_count(database, "outbound_emails") == 3

    async def test_confirmations_share_the_password_reset_limit(
        self, limited_client: httpx.AsyncClient
    ) -> None:
        """Guessing reset tokens is throttled like asking for them."""
        for _ in range(3):
            response = await limited_client.post(
                f"{AUTH}/password-reset/confirm",
                json={"token": "guessed-token", "new_password": "a-new-long-password"},
            )
            assert response.status_code == 400
        assert_rate_limited(await reset_request(limited_client, unique_email()))


class TestSharedRedisCounts:
    async def test_api_processes_sharing_redis_share_one_count(
        self, app_with: AppFactory, database: Database
    ) -> None:
        url = redis_url_or_skip()
        first, second = await limited(app_with, url), await limited(app_with, url)
        email = unique_email()
        await create_user(database, runtime_of(first), email=email)
        address = random_address()
        try:
            async with (
                http_client(first, address=address) as one,
                http_client(second, address=address) as two,
            ):
                assert (await login(one, email, PASSWORD)).status_code == 200
                assert (await login(two, email, PASSWORD)).status_code == 200
                assert (await login(one, email, PASSWORD)).status_code == 200
                assert_rate_limited(await login(two, email, PASSWORD))
        finally:
            await first.state.limiter.reset()
