"""Progressive lockout of one login (email) after repeated failures, kept in PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI

from fitflow.app import create_app
from fitflow.auth.models import LoginThrottle
from fitflow.kit import time
from fitflow.kit.db import Database
from tests.auth.conftest import AppFactory
from tests.auth.helpers import audit_entries, error_code, http_client, login, runtime_of
from tests.conftest import make_settings
from tests.factories import PASSWORD, account, create_user, unique_email

WRONG = "not-the-password"
LOCKOUT = {"threshold": 3, "base_seconds": 60, "max_seconds": 3600}
T0 = datetime(2031, 3, 4, 9, 0, tzinfo=UTC)


@pytest.fixture
def lockout_app(app_with: AppFactory) -> FastAPI:
    """No Redis even where FITFLOW_REDIS_URL is set: the lockout must not need it."""
    return app_with(lockout=LOCKOUT, redis_url=None)


@pytest.fixture
async def lockout_client(lockout_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(lockout_app) as client:
        yield client


@pytest.fixture
async def email(lockout_app: FastAPI, database: Database) -> str:
    address = unique_email()
    await create_user(database, runtime_of(lockout_app), email=address)
    return address


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


async def fail(client: httpx.AsyncClient, email: str, times: int, *, when: float) -> None:
    with time.frozen(at(when)):
        for _ in range(times):
            response = await login(client, email, WRONG)
            assert response.status_code == 401
            assert error_code(response) == "invalid_credentials"


async def attempt(
    client: httpx.AsyncClient, email: str, *, when: float, password: str = PASSWORD
) -> httpx.Response:
    with time.frozen(at(when)):
        return await login(client, email, password)


def assert_locked(response: httpx.Response, retry_after: int) -> None:
    assert response.status_code == 429
    assert error_code(response) == "login_locked"
    assert response.headers["Retry-After"] == str(retry_after)
    assert response.json()["error"]["data"] == {"retry_after": retry_after}


async def throttle_row(database: Database, email: str) -> LoginThrottle | None:
    async with database.sessions() as session:
        return await session.get(LoginThrottle, email)


class TestLockout:
    async def test_two_failures_do_not_lock(
        self, lockout_client: httpx.AsyncClient, email: str
    ) -> None:
        await fail(lockout_client, email, 2, when=0)
        assert (await attempt(lockout_client, email, when=1)).status_code == 200

    async def test_the_third_failure_locks_out_even_the_right_password(
        self, lockout_client: httpx.AsyncClient, email: str
    ) -> None:
        await fail(lockout_client, email, 3, when=0)
        assert_locked(await attempt(lockout_client, email, when=0), retry_after=60)
        assert_locked(await attempt(lockout_client, email, when=45), retry_after=15)

    async def test_an_unknown_email_is_locked_the_same_way(
        self, lockout_client: httpx.AsyncClient, email: str
    ) -> None:
        stranger = unique_email("nobody")
        await fail(lockout_client, email, 3, when=0)
        await fail(lockout_client, stranger, 3, when=0)
        known = await attempt(lockout_client, email, when=10)
        unknown = await attempt(lockout_client, stranger, when=10)
        assert_locked(unknown, retry_after=50)
        assert unknown.json() == known.json()
        assert unknown.headers["Retry-After"] == known.headers["Retry-After"]

    async def test_attempts_during_a_lock_neither_count_nor_extend_it(
        self, lockout_client: httpx.AsyncClient, email: str, database: Database
    ) -> None:
        await fail(lockout_client, email, 3, when=0)
        for second in (10, 20, 30):
            assert_locked(
                await attempt(lockout_client, email, when=second, password=WRONG), 60 - second
            )
        row = await throttle_row(database, email)
        assert row is not None
        assert (row.failures, row.locked_until) == (3, at(60))
        assert (await attempt(lockout_client, email, when=61)).status_code == 200

    async def test_after_the_lock_expires_the_right_password_works_and_clears_the_streak(
        self, lockout_client: httpx.AsyncClient, email: str, database: Database
    ) -> None:
        await fail(lockout_client, email, 3, when=0)
        assert (await attempt(lockout_client, email, when=60)).status_code == 200
        assert await throttle_row(database, email) is None
        await fail(lockout_client, email, 2, when=70)
        assert (await attempt(lockout_client, email, when=71)).status_code == 200

    async def test_further_failures_of_a_streak_lock_twice_as_long_each_time(
        self, lockout_client: httpx.AsyncClient, email: str
    ) -> None:
        await fail(lockout_client, email, 3, when=0)
        assert_locked(await attempt(lockout_client, email, when=0), retry_after=60)
        await fail(lockout_client, email, 1, when=60)
        assert_locked(await attempt(lockout_client, email, when=60), retry_after=120)
        await fail(lockout_client, email, 1, when=180)
        assert_locked(await attempt(lockout_client, email, when=180), retry_after=240)
        await fail(lockout_client, email, 1, when=420)
        assert_locked(await attempt(lockout_client, email, when=420), retry_after=480)

    async def test_the_lock_never_exceeds_max_seconds(
        self, app_with: AppFactory, database: Database
    ) -> None:
        app = app_with(lockout={**LOCKOUT, "max_seconds": 100})
        address = unique_email()
        await create_user(database, runtime_of(app), email=address)
        async with http_client(app) as client:
            await fail(client, address, 3, when=0)
            await fail(client, address, 1, when=60)
            assert_locked(await attempt(client, address, when=60), retry_after=100)

    async def test_a_streak_older_than_forget_after_starts_again(
        self, app_with: AppFactory, database: Database
    ) -> None:
        app = app_with(lockout={**LOCKOUT, "forget_after_seconds": 3600})
        address = unique_email()
        await create_user(database, runtime_of(app), email=address)
        async with http_client(app) as client:
            await fail(client, address, 2, when=0)
            await fail(client, address, 2, when=3601)
            assert (await attempt(client, address, when=3602)).status_code == 200

    async def test_failures_and_locks_are_audited(
        self, lockout_client: httpx.AsyncClient, email: str, database: Database
    ) -> None:
        await fail(lockout_client, email, 3, when=0)
        failed = await audit_entries(database, "auth.login_failed", subject_id=email)
        assert [entry.data["failures"] for entry in failed] == [1, 2, 3]
        locked = await audit_entries(database, "auth.login_locked", subject_id=email)
        assert len(locked) == 1
        assert locked[0].subject_type == "login"
        assert locked[0].data == {"locked_until": at(60).isoformat()}
        assert locked[0].actor_user_id is not None

    async def test_locks_of_unknown_emails_are_audited_too(
        self, lockout_client: httpx.AsyncClient, database: Database
    ) -> None:
        stranger = unique_email("nobody")
        await fail(lockout_client, stranger, 3, when=0)
        assert len(await audit_entries(database, "auth.login_failed", subject_id=stranger)) == 3
        locked = await audit_entries(database, "auth.login_locked", subject_id=stranger)
        assert [(entry.actor_user_id, entry.subject_type) for entry in locked] == [(None, "login")]


class TestLockoutStorage:
    async def test_the_streak_lives_in_postgresql_and_binds_every_api_process_without_redis(
        self, lockout_app: FastAPI, app_with: AppFactory, email: str, database: Database
    ) -> None:
        assert lockout_app.state.settings.redis_url is None
        async with http_client(lockout_app) as client:
            await fail(client, email, 3, when=0)
        row = await throttle_row(database, email)
        assert row is not None
        assert (row.failures, row.last_failure_at, row.locked_until) == (3, at(0), at(60))
        other_process = app_with(lockout=LOCKOUT, redis_url=None)
        async with http_client(other_process, address="10.9.8.7") as client:
            assert_locked(await attempt(client, email, when=30), retry_after=30)


class TestConcurrentFailures:
    async def test_a_burst_of_concurrent_failures_cannot_outrun_the_lock(
        self, committed_database: Database, database_url: str
    ) -> None:
        """One attempt per email runs at a time (the others are refused at once), so a
        parallel burst gets no more guesses than the threshold."""
        app = create_app(make_settings(database_url, lockout=LOCKOUT), committed_database)
        async with http_client(app) as client:
            user = await account(client)
            burst = await asyncio.gather(
                *(login(client, user.email, f"guess-{number}") for number in range(6))
            )
        statuses = [response.status_code for response in burst]
        guesses = statuses.count(401)
        assert 1 <= guesses <= 3
        assert statuses.count(429) == 6 - guesses
        refusals = {
            response.json()["error"]["code"] for response in burst if response.status_code == 429
        }
        assert refusals <= {"login_in_progress", "login_locked"}
        failed = await audit_entries(committed_database, "auth.login_failed")
        assert len(failed) == guesses
