"""Database plumbing: the declarative base, engines, sessions and the process's database.

Services and repositories receive an `AsyncSession` and only `flush()`; the edge (an API
route or a job) owns the transaction and commits through `kit.unit_of_work` or
`kit.jobs.job_session`.
"""

from __future__ import annotations

import select
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import DateTime, MetaData, Select, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from fitflow.config import DatabaseSettings
from fitflow.kit import time

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: DateTime(timezone=True)}


Q = TypeVar("Q", bound=Select[*tuple[Any, ...]])


def locking(query: Q, lock: bool = True) -> Q:
    """`query` taking row locks (when `lock`), its rows re-read into the session so a
    value another transaction committed while this one waited is never stale."""
    if not lock:
        return query
    return query.with_for_update().execution_options(populate_existing=True)


def uuid_pk() -> Mapped[uuid.UUID]:
    return mapped_column(primary_key=True, default=uuid.uuid4)


def created_at_column() -> Mapped[datetime]:
    return mapped_column(default=time.now, nullable=False)


def sqlalchemy_url(url: str) -> str:
    """The URL with SQLAlchemy's psycopg 3 driver, whatever spelling the operator used."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def libpq_url(url: str) -> str:
    """The URL as libpq (psycopg, procrastinate, pgbench) reads it."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


@dataclass(frozen=True)
class Database:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]

    @classmethod
    def connect(cls, url: str, settings: DatabaseSettings, **engine_options: Any) -> Database:
        engine = create_async_engine(
            sqlalchemy_url(url),
            pool_size=settings.pool_size,
            max_overflow=settings.max_overflow,
            pool_timeout=settings.pool_timeout_seconds,
            pool_recycle=settings.pool_recycle_seconds,
            connect_args={"options": f"-c statement_timeout={settings.statement_timeout_ms}"},
            **engine_options,
        )
        event.listen(engine.sync_engine, "checkout", refuse_closed_connection)
        return cls(engine, async_sessionmaker(engine, expire_on_commit=False))

    async def dispose(self) -> None:
        await self.engine.dispose()


def refuse_closed_connection(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """The pool's check of a connection it hands out, without a round trip (a pre-ping
    costs one per request): an idle connection has nothing to read, so a readable socket
    means the server ended it (restart, `pg_terminate_backend`, idle timeout) and said
    so, or closed it. The pool then drops it and checks out another. A connection that
    died without a word (a network cut) still fails its first statement."""
    socket = dbapi_connection.driver_connection.fileno()
    readable, _, _ = select.select([socket], [], [], 0)
    if readable:
        raise DisconnectionError("the server closed this pooled connection")


_current: Database | None = None


def use_database(database: Database | None) -> None:
    """Make `database` the one jobs and health checks use in this process."""
    global _current  # noqa: PLW0603 - one database per process, set at start-up
    _current = database


def current_database() -> Database:
    if _current is None:
        raise RuntimeError("no database configured for this process")
    return _current
