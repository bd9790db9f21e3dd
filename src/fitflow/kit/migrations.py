"""Schema management: Alembic for FitFlow's tables, plus procrastinate's own schema."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import psycopg
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from procrastinate.schema import SchemaManager
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.kit.db import libpq_url, sqlalchemy_url

PROJECT_ROOT = Path(__file__).resolve().parents[3]


def alembic_config(url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", sqlalchemy_url(url).replace("%", "%%"))
    config.attributes["configure_logging"] = False
    return config


def upgrade(url: str) -> None:
    """Bring the database to the newest schema: Alembic head and procrastinate's tables."""
    command.upgrade(alembic_config(url), "head")
    apply_job_schema(url)


def apply_job_schema(url: str) -> None:
    with psycopg.connect(libpq_url(url), autocommit=True) as connection:
        present = connection.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()
        if present is None or present[0] is None:
            connection.execute(SchemaManager.get_schema())


@lru_cache(maxsize=1)
def _scripts() -> ScriptDirectory:
    return ScriptDirectory(str(PROJECT_ROOT / "migrations"))


def head_revision() -> str | None:
    return _scripts().get_current_head()


def is_pending(current: str | None) -> bool:
    """Whether this code has migrations the database lacks. A revision this code does not
    know is newer (a rolling upgrade migrated first), which this code can run against."""
    if current == head_revision():
        return False
    if current is None:
        return True
    try:
        _scripts().get_revision(current)
    except CommandError:
        return False
    return True


async def is_current_enough(session: AsyncSession) -> bool:
    """The database schema is at or past this code's newest migration."""
    current = await session.scalar(text("SELECT version_num FROM alembic_version"))
    return not is_pending(None if current is None else str(current))
