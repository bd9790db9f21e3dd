"""Test fixtures: a migrated PostgreSQL, one rolled-back transaction per test, the app
bound to it, and committed-mode fixtures for tests that need real concurrency."""

from __future__ import annotations

import logging
import os

os.environ.setdefault("FITFLOW_ENV", "testing")
os.environ.setdefault("FITFLOW_SECRET_KEY", "test-secret-key-that-is-long-enough-for-hs256")

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from fitflow.app import create_app
from fitflow.config import Settings, use_settings
from fitflow.kit import embedded, migrations
from fitflow.kit.db import Database, libpq_url, sqlalchemy_url, use_database

ROOT = Path(__file__).resolve().parents[1]
TEST_DATABASE = "fitflow_test"


def _migrate_from_scratch(url: str) -> None:
    """Empty the database and run every migration (so migrations are tested too)."""
    with psycopg.connect(libpq_url(url), autocommit=True) as connection:
        connection.execute("DROP SCHEMA public CASCADE")
        connection.execute("CREATE SCHEMA public")
    migrations.upgrade(url)


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """Commands under test configure logging onto pytest's captured streams; put the
    handlers back so nothing writes to a closed capture later."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """FITFLOW_TEST_DATABASE_URL when set; else a database of this test run's own on the
    embedded server, dropped afterwards, so parallel runs never share one."""
    configured = os.environ.get("FITFLOW_TEST_DATABASE_URL")
    if configured:
        _migrate_from_scratch(configured)
        yield configured
        return
    name = f"{TEST_DATABASE}_{os.getpid()}"
    url = embedded.start(ROOT / ".data", database=name)
    _migrate_from_scratch(url)
    yield url
    maintenance = make_url(libpq_url(url)).set(database="postgres")
    with psycopg.connect(maintenance.render_as_string(hide_password=False), autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_settings(database_url: str, **overrides: object) -> Settings:
    """Test settings: cheap password hashing and limits high enough not to interfere,
    unless a test asks otherwise."""
    base: dict[str, object] = {
        "env": "testing",
        "secret_key": os.environ["FITFLOW_SECRET_KEY"],
        "database_url": database_url,
        "redis_url": None,  # rate limits in memory, fresh per app, unless a test asks
        "data_dir": ROOT / ".data",
        "auth": {"argon2_time_cost": 1, "argon2_memory_kib": 1024, "argon2_parallelism": 1},
        "rate_limits": {
            "login": "1000/minute",
            "registration": "1000/minute",
            "password_reset": "1000/minute",
        },
        "jobs": {"in_process": False},
        "log": {"json_format": True},
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = {**base[key], **value}  # type: ignore[dict-item]
        else:
            base[key] = value
    return Settings.model_validate(base)


@pytest.fixture
def settings(database_url: str) -> Iterator[Settings]:
    configured = make_settings(database_url)
    use_settings(configured)
    yield configured
    use_settings(None)


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(sqlalchemy_url(database_url), poolclass=NullPool)
    yield engine
    await engine.dispose()


@pytest.fixture
async def database(engine: AsyncEngine) -> AsyncIterator[Database]:
    """Sessions joined to one outer transaction that is rolled back after the test; a
    commit inside the app only releases a savepoint."""
    async with engine.connect() as connection:
        outer = await connection.begin()
        sessions = async_sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        database = Database(engine, sessions)
        use_database(database)
        yield database
        use_database(None)
        await outer.rollback()


@pytest.fixture
def app(settings: Settings, database: Database) -> FastAPI:
    return create_app(settings, database)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://fitflow.test") as client:
        yield client


async def truncate_all(database_url: str) -> None:
    """Empty every table but the migration marker (after committed-mode tests)."""
    async with await psycopg.AsyncConnection.connect(libpq_url(database_url)) as connection:
        tables = await connection.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'alembic_version'"
        )
        names = ", ".join(f'"{row[0]}"' for row in await tables.fetchall())
        await connection.execute(f"TRUNCATE {names} CASCADE")
        await connection.commit()


@pytest.fixture
async def committed_database(database_url: str, settings: Settings) -> AsyncIterator[Database]:
    """A real pool whose commits are visible to other connections; emptied afterwards."""
    database = Database.connect(database_url, settings.database)
    use_database(database)
    try:
        yield database
    finally:
        use_database(None)
        await database.dispose()
        await truncate_all(database_url)


@pytest.fixture
async def committed_client(
    settings: Settings, committed_database: Database
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, committed_database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://fitflow.test") as client:
        yield client


async def table_count(database: Database, table: str) -> int:
    async with database.sessions() as session:
        count = await session.scalar(text(f"SELECT count(*) FROM {table}"))  # noqa: S608
        return int(count or 0)
