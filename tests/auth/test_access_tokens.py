"""Access tokens: lifetime on FitFlow's clock, and forged or malformed tokens."""

from __future__ import annotations

import base64
import json
import warnings
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI

from fitflow.kit import time
from tests.auth.helpers import error_code, login, me_status, refresh, runtime_of
from tests.factories import PASSWORD, account

OTHER_KEY = "another-secret-key-that-is-also-long-enough-for-hs"


def claims_of(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def signed(claims: dict[str, Any], key: str, algorithm: str = "HS256") -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jwt.InsecureKeyLengthWarning)
        return jwt.encode(claims, key, algorithm=algorithm)


def _segment(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def unsigned(claims: dict[str, Any]) -> str:
    """The classic forgery: header alg "none" and an empty signature."""
    return f"{_segment({'alg': 'none', 'typ': 'JWT'})}.{_segment(claims)}."


async def refused(client: httpx.AsyncClient, token: str) -> None:
    response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert error_code(response) == "invalid_token"


class TestAccessTokenLifetime:
    async def test_an_access_token_is_refused_once_15_minutes_have_passed(
        self, client: httpx.AsyncClient
    ) -> None:
        user = await account(client)
        issued_at = datetime.now(UTC).replace(microsecond=0)
        with time.frozen(issued_at):
            access_token = (await login(client, user.email, PASSWORD)).json()["access_token"]
        with time.frozen(issued_at + timedelta(seconds=899)):
            assert await me_status(client, access_token) == 200
        with time.frozen(issued_at + timedelta(seconds=900)):
            await refused(client, access_token)
        with time.frozen(issued_at + timedelta(hours=2)):
            await refused(client, access_token)

    async def test_a_refresh_after_expiry_gives_a_working_access_token(
        self, client: httpx.AsyncClient
    ) -> None:
        user = await account(client)
        with time.frozen(time.now() + timedelta(minutes=20)):
            await refused(client, user.access_token)
            pair = (await refresh(client, user.refresh_token)).json()
            assert await me_status(client, pair["access_token"]) == 200


class TestForgedTokens:
    async def test_the_same_claims_resigned_with_the_real_key_are_accepted(
        self, client: httpx.AsyncClient, app: FastAPI
    ) -> None:
        """The control for the refusals below: the forging helpers themselves work."""
        user = await account(client)
        token = signed(claims_of(user.access_token), runtime_of(app).signing_key)
        assert await me_status(client, token) == 200

    async def test_a_token_signed_with_another_key_is_refused(
        self, client: httpx.AsyncClient
    ) -> None:
        user = await account(client)
        await refused(client, signed(claims_of(user.access_token), OTHER_KEY))

    async def test_a_token_with_alg_none_is_refused(self, client: httpx.AsyncClient) -> None:
        user = await account(client)
        await refused(client, unsigned(claims_of(user.access_token)))

    async def test_a_token_signed_with_hs512_is_refused_even_with_the_real_key(
        self, client: httpx.AsyncClient, app: FastAPI
    ) -> None:
        user = await account(client)
        key = runtime_of(app).signing_key
        await refused(client, signed(claims_of(user.access_token), key, "HS512"))

    @pytest.mark.parametrize("claim", ["fam", "sub", "exp", "jti"])
    async def test_a_token_missing_a_required_claim_is_refused(
        self, client: httpx.AsyncClient, app: FastAPI, claim: str
    ) -> None:
        user = await account(client)
        claims = claims_of(user.access_token)
        del claims[claim]
        await refused(client, signed(claims, runtime_of(app).signing_key))

    async def test_a_token_pointing_at_another_family_is_refused(
        self, client: httpx.AsyncClient, app: FastAPI
    ) -> None:
        """A user cannot move a token onto another user's login."""
        user, other = await account(client), await account(client)
        claims = {**claims_of(user.access_token), "fam": claims_of(other.access_token)["fam"]}
        await refused(client, signed(claims, runtime_of(app).signing_key))

    async def test_a_token_of_another_type_is_refused(
        self, client: httpx.AsyncClient, app: FastAPI
    ) -> None:
        user = await account(client)
        claims = {**claims_of(user.access_token), "typ": "refresh"}
        await refused(client, signed(claims, runtime_of(app).signing_key))

    @pytest.mark.parametrize("token", ["", "garbage", "a.b.c", "Bearer"])
    async def test_a_malformed_token_is_refused(
        self, client: httpx.AsyncClient, token: str
    ) -> None:
        await refused(client, token)
