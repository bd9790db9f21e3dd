"""Fixtures of the identity tests: apps with other settings, and a real SMTP server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator

import httpx
import pytest
from fastapi import FastAPI

from fitflow.app import create_app
from fitflow.config import Settings, use_settings
from fitflow.kit.db import Database
from tests.auth.helpers import http_client
from tests.conftest import make_settings
from tests.notifications.mailbox import Mailbox, running_mailbox

PUBLIC_URL = "https://fitflow.example"
AppFactory = Callable[..., FastAPI]


@pytest.fixture
def app_with(database_url: str, database: Database, settings: Settings) -> AppFactory:
    """Build an app on the test's rolled-back transaction with settings overrides, as
    `make_settings` takes them."""

    def build(**overrides: object) -> FastAPI:
        return create_app(make_settings(database_url, **overrides), database)

    return build


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with running_mailbox() as box:
        yield box


@pytest.fixture
def mail_settings(database_url: str, settings: Settings, mailbox: Mailbox) -> Iterator[Settings]:
    """Email really sent by SMTP to `mailbox`; the process's settings while the test runs,
    since the delivery job reads them."""
    configured = make_settings(
        database_url,
        notifications={"transport": "smtp", "max_retries": 0},
        smtp={"host": mailbox.host, "port": mailbox.port, "timeout_seconds": 5},
        server={"public_url": PUBLIC_URL},
    )
    use_settings(configured)
    yield configured
    use_settings(settings)


@pytest.fixture
async def mail_client(
    mail_settings: Settings, committed_database: Database
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app that commits for real and mails through SMTP."""
    async with http_client(create_app(mail_settings, committed_database)) as client:
        yield client
