"""Registration: the created user, refused fields, duplicate emails and password rules."""

from __future__ import annotations

import httpx
import pytest

from fitflow.kit.db import Database
from tests.auth.helpers import error_code, login, register
from tests.conftest import table_count
from tests.factories import PASSWORD, unique_email


class TestRegister:
    async def test_registering_answers_201_with_the_user_and_nothing_secret(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        email = unique_email()
        response = await register(client, email, PASSWORD)
        assert response.status_code == 201
        body = response.json()
        assert set(body) == {"id", "email", "full_name", "is_active", "created_at"}
        assert body["email"] == email
        assert body["full_name"] == "Ada Person"
        assert body["is_active"] is True
        assert await table_count(database, "users") == 1
        assert (await login(client, email, PASSWORD)).status_code == 200

    async def test_the_new_account_has_no_studio_role_and_is_no_superuser(
        self, client: httpx.AsyncClient
    ) -> None:
        email = unique_email()
        assert (await register(client, email, PASSWORD)).status_code == 201
        tokens = (await login(client, email, PASSWORD)).json()
        me = await client.get(
            "/api/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}
        )
        assert me.json()["is_superuser"] is False
        assert me.json()["studios"] == []

    async def test_the_email_is_stored_in_lower_case(self, client: httpx.AsyncClient) -> None:
        email = unique_email()
        response = await register(client, email.upper(), PASSWORD)
        assert response.status_code == 201
        assert response.json()["email"] == email
        assert (await login(client, email, PASSWORD)).status_code == 200


class TestRegisterRefusesExtraFields:
    @pytest.mark.parametrize(
        "extra",
        [
            {"role": "owner"},
            {"roles": ["admin"]},
            {"is_superuser": True},
            {"is_active": False},
            {"organization": "some-studio"},
            {"nickname": "harmless"},
        ],
        ids=lambda extra: next(iter(extra)),
    )
    async def test_a_role_or_any_extra_field_answers_422_and_creates_nothing(
        self, client: httpx.AsyncClient, database: Database, extra: dict[str, object]
    ) -> None:
        response = await register(client, unique_email(), PASSWORD, **extra)
        assert response.status_code == 422
        assert await table_count(database, "users") == 0


class TestDuplicateEmail:
    async def test_a_taken_email_answers_409_email_taken(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        email = unique_email()
        assert (await register(client, email, PASSWORD)).status_code == 201
        again = await register(client, email, "another-long-password")
        assert again.status_code == 409
        assert error_code(again) == "email_taken"
        assert await table_count(database, "users") == 1
        assert (await login(client, email, PASSWORD)).status_code == 200

    async def test_the_same_email_in_other_letter_case_is_taken_too(
        self, client: httpx.AsyncClient
    ) -> None:
        email = unique_email()
        assert (await register(client, email, PASSWORD)).status_code == 201
        again = await register(client, email.upper(), PASSWORD)
        assert again.status_code == 409
        assert error_code(again) == "email_taken"


class TestPasswordRules:
    @pytest.mark.parametrize(
        "password",
        ["short-7", "x" * 129, "password123", "Password123", "12345678", "qwertyuiop"],
        ids=["under-8", "over-128", "common", "common-capitalised", "common-digits", "common-row"],
    )
    async def test_a_weak_password_answers_422_and_creates_nothing(
        self, client: httpx.AsyncClient, database: Database, password: str
    ) -> None:
        response = await register(client, unique_email(), password)
        assert response.status_code == 422
        assert await table_count(database, "users") == 0

    @pytest.mark.parametrize("password", ["8-chars!", "y" * 128], ids=["8", "128"])
    async def test_passwords_of_8_and_128_characters_are_accepted(
        self, client: httpx.AsyncClient, password: str
    ) -> None:
        email = unique_email()
        assert (await register(client, email, password)).status_code == 201
        assert (await login(client, email, password)).status_code == 200
