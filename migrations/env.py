"""Alembic environment: FitFlow's models, one synchronous psycopg connection."""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine, pool

from fitflow.config import get_settings
from fitflow.kit.db import sqlalchemy_url
from fitflow.models import Base

config = context.config
if config.config_file_name and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name)


def database_url() -> str:
    configured = config.get_main_option("sqlalchemy.url")
    if configured:
        return configured
    url = get_settings().database_url
    if url is None:
        raise SystemExit(
            "Set FITFLOW_DATABASE_URL, or run `fitflow migrate` for the embedded database."
        )
    return sqlalchemy_url(url)


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Only FitFlow's own tables: procrastinate manages its schema itself."""
    table = getattr(obj, "table", obj)
    table_name = name if type_ == "table" else getattr(table, "name", name)
    return not (table_name or "").startswith("procrastinate_")


def run_migrations_offline() -> None:
    context.configure(url=database_url(), target_metadata=Base.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(database_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            compare_type=True,
            include_object=include_object,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
