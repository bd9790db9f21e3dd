"""The `fitflow` command: serve, worker, migrate, demo, create-owner."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import shutil
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from fitflow import demo, demo_catalog, serving, worker
from fitflow.auth import service as auth
from fitflow.auth.passwords import MIN_LENGTH, check_password_strength
from fitflow.auth.runtime import AuthRuntime
from fitflow.config import Environment, Settings, get_settings, use_settings
from fitflow.kit import embedded, migrations
from fitflow.kit.db import Database, libpq_url, use_database
from fitflow.kit.logging import configure_logging
from fitflow.kit.relay import Relay
from fitflow.organizations import service as organizations
from fitflow.organizations.schemas import OrganizationCreate

T = TypeVar("T")


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    try:
        settings = get_settings()
    except ValueError as exc:
        sys.exit(f"fitflow: invalid configuration: {exc}")
    configure_logging(settings.log.level, json_format=settings.log.json_format)
    args.run(args, settings)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fitflow", description="FitFlow studio platform")
    commands = parser.add_subparsers(required=True, metavar="command")
    serve = commands.add_parser("serve", help="run the API and web UI")
    _server_options(serve)
    serve.set_defaults(run=_serve)
    commands.add_parser("worker", help="run the job worker").set_defaults(run=_worker)
    commands.add_parser("migrate", help="bring the database schema up to date").set_defaults(
        run=_migrate
    )
    demo_command = commands.add_parser("demo", help="seed the demo studio and serve it")
    _server_options(demo_command)
    demo_command.set_defaults(run=_demo)
    owner = commands.add_parser("create-owner", help="create a studio and its owner account")
    owner.add_argument("--email", required=True)
    owner.add_argument("--name", required=True, help="the owner's full name")
    owner.add_argument("--studio", required=True, help="the studio's name")
    owner.add_argument("--slug", required=True)
    owner.add_argument("--timezone", required=True, help="IANA name, e.g. Europe/Berlin")
    owner.add_argument("--currency", required=True, help="ISO 4217 code, e.g. EUR")
    owner.add_argument("--superuser", action="store_true", help="also a platform operator")
    owner.set_defaults(run=_create_owner)
    return parser


def _server_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default=None)
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument("--workers", type=int, default=None)


def _database_url(settings: Settings) -> str:
    """The configured server, or the embedded one started (and migrated) now."""
    if settings.database_url:
        return settings.database_url
    url = embedded.start(settings.data_dir)
    migrations.upgrade(url)
    return url


def _serve(args: argparse.Namespace, settings: Settings, url: str | None = None) -> None:
    url = url or _database_url(settings)
    settings.signing_key()  # generate a development secret once, before workers race for it
    server = settings.server.model_copy(
        update={k: v for k, v in vars(args).items() if k in ("host", "port", "workers") and v}
    )
    os.environ["FITFLOW_DATABASE_URL"] = url
    os.environ["FITFLOW_JOBS__IN_PROCESS"] = str(settings.run_worker_in_process).lower()
    os.environ["FITFLOW_SERVER__PUBLIC_URL"] = settings.server.public_url or (
        f"http://{server.host}:{server.port}"
    )
    if server.workers > 1:
        os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(_fresh_metrics_dir(settings)))
    serving.run(
        "fitflow.app:create_app",
        factory=True,
        host=server.host,
        port=server.port,
        workers=server.workers,
        proxy_headers=True,
        forwarded_allow_ips=server.forwarded_allow_ips,
        timeout_keep_alive=server.keep_alive_seconds,
        log_config=None,
    )


def _fresh_metrics_dir(settings: Settings) -> Path:
    """Where the server processes share their metrics; emptied at each start so counts
    of processes that are gone do not linger."""
    directory = settings.data_dir.resolve() / "metrics"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    return directory


def _worker(args: argparse.Namespace, settings: Settings) -> None:
    url = _database_url(settings)

    async def run() -> None:
        database = Database.connect(url, settings.database)
        use_database(database)
        # Jobs change sessions too (expiry, no-shows, schedules): their notices go out
        # even while no API process runs.
        relay = Relay(lambda: libpq_url(url), settings.live.relay_interval_seconds)
        relay.start()
        try:
            await worker.run(url, settings)
        finally:
            await relay.close()
            await database.dispose()

    asyncio.run(run())


def _migrate(args: argparse.Namespace, settings: Settings) -> None:
    migrations.upgrade(settings.database_url or embedded.start(settings.data_dir))
    print("fitflow: database schema is up to date")


def _demo(args: argparse.Namespace, settings: Settings) -> None:
    if settings.env is Environment.production:
        sys.exit("fitflow: the demo does not run with FITFLOW_ENV=production")
    url = _database_url(settings)
    logins = _in_transaction(
        settings, url, lambda session: demo.seed(session, AuthRuntime.from_settings(settings))
    )
    port = args.port or settings.server.port
    host = args.host or settings.server.host
    print(f"\nFitFlow demo studio at http://{host}:{port}/  (API docs: /docs)")
    print(f"Every demo account's password: {demo.PASSWORD}\n")
    for login in logins:
        print(f"  {login.role:<13} {login.email:<32} {login.full_name}")
    print("\nBought at the desk:")
    for line in demo_catalog.holdings_summary():
        print(f"  {line}")
    print(flush=True)
    _serve(args, settings, url)


def _create_owner(args: argparse.Namespace, settings: Settings) -> None:
    password = os.environ.get("FITFLOW_OWNER_PASSWORD") or getpass.getpass("Owner password: ")
    if len(password) < MIN_LENGTH:
        sys.exit(f"fitflow: the password needs at least {MIN_LENGTH} characters")
    try:
        check_password_strength(password)
        studio = OrganizationCreate(
            name=args.studio, slug=args.slug, timezone=args.timezone, currency=args.currency
        )
    except ValueError as exc:
        sys.exit(f"fitflow: {exc}")

    async def create(session: AsyncSession) -> str:
        rt = AuthRuntime.from_settings(settings)
        user = await auth.ensure_user(
            session,
            rt,
            email=args.email,
            full_name=args.name,
            password=password,
            superuser=args.superuser,
        )
        created = await organizations.create_organization(session, user, studio)
        return created.slug

    slug = _in_transaction(settings, _database_url(settings), create)
    print(f"fitflow: studio '{slug}' created with owner {args.email}")


def _in_transaction(
    settings: Settings, url: str, use_case: Callable[[AsyncSession], Awaitable[T]]
) -> T:
    """Run one use case in its own committed transaction (the CLI is its edge)."""

    async def run() -> T:
        database = Database.connect(url, settings.database)
        use_database(database)
        try:
            async with database.sessions() as session, session.begin():
                return await use_case(session)
        finally:
            await database.dispose()

    use_settings(settings)
    return asyncio.run(run())
