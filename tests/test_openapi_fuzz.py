"""Schemathesis walks the OpenAPI document against a live server on loopback: no answer
may be a server error, and every status must be one the document lists."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from fitflow.app import create_app
from fitflow.config import Settings
from tests.conftest import make_settings, truncate_all
from tests.factories import PASSWORD
from tests.live import serve

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
SCHEMA_SETTINGS = Settings(env="testing", secret_key="x" * 40, database_url="postgresql://-/-")
# The live-availability streams never end by design; tests/bookings/test_live.py covers them.
schema = schemathesis.openapi.from_dict(create_app(SCHEMA_SETTINGS).openapi()).exclude(
    path_regex=r"/events$"
)


@dataclass
class LiveStudio:
    base_url: str
    slug: str
    email: str
    token: str = ""

    def fresh_token(self) -> str:
        response = httpx.post(
            f"{self.base_url}/api/v1/auth/login",
            json={"email": self.email, "password": PASSWORD},
        )
        response.raise_for_status()
        token: str = response.json()["access_token"]
        return token


@pytest.fixture(scope="module")
def live_studio(database_url: str) -> Iterator[LiveStudio]:
    with serve(create_app(make_settings(database_url))) as base_url:
        yield _seeded_studio(base_url)
    asyncio.run(truncate_all(database_url))


def _seeded_studio(base_url: str) -> LiveStudio:
    email = "fuzz-owner@example.com"
    httpx.post(
        f"{base_url}/api/v1/auth/register",
        json={"email": email, "password": PASSWORD, "full_name": "Fuzz Owner"},
    ).raise_for_status()
    studio = LiveStudio(base_url, "fuzz-studio", email)
    studio.token = studio.fresh_token()
    httpx.post(
        f"{base_url}/api/v1/orgs",
        headers={"Authorization": f"Bearer {studio.token}"},
        json={"name": "Fuzz", "slug": studio.slug, "timezone": "UTC", "currency": "EUR"},
    ).raise_for_status()
    return studio


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_answers_only_documented_statuses(
    case: schemathesis.Case[Any], live_studio: LiveStudio
) -> None:
    """Each case runs as the studio's owner, inside the studio when the path names one;
    logout gets a login of its own so it cannot end the one the other cases share."""
    if "org" in (case.path_parameters or {}):
        case.path_parameters = {**(case.path_parameters or {}), "org": live_studio.slug}
    logout = case.operation.path.endswith("/auth/logout")
    token = live_studio.fresh_token() if logout else live_studio.token
    headers = {"Authorization": f"Bearer {token}"}
    case.call_and_validate(base_url=live_studio.base_url, headers=headers, checks=CHECKS)
