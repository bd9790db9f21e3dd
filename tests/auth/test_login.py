"""Login: one answer for every wrong credential, and the same Argon2 work behind it."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
import pytest
from fastapi import FastAPI
from pwdlib.hashers.argon2 import Argon2Hasher

from fitflow.kit.db import Database
from tests.auth.helpers import audit_entries, error_code, login, runtime_of
from tests.factories import PASSWORD, account, unique_email


@dataclass
class Verifications:
    """Every Argon2 verification the app ran: the hash checked and the outcome."""

    calls: list[tuple[str, bool]] = field(default_factory=list)

    def reset(self) -> None:
        self.calls.clear()


@pytest.fixture
def argon2_verifications(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> Verifications:
    """Wrap the real Argon2 hasher's verify: it still runs, and each call is counted."""
    hashers = runtime_of(app).hasher._hash.hashers
    assert len(hashers) == 1
    argon2 = hashers[0]
    assert isinstance(argon2, Argon2Hasher)
    real_verify = argon2.verify
    seen = Verifications()

    def counting_verify(password: str | bytes, hash: str | bytes) -> bool:
        outcome = real_verify(password, hash)
        seen.calls.append((hash if isinstance(hash, str) else hash.decode(), outcome))
        return outcome

    monkeypatch.setattr(argon2, "verify", counting_verify)
    return seen


class TestInvalidCredentials:
    async def test_unknown_email_and_wrong_password_answer_the_same_401(
        self, client: httpx.AsyncClient
    ) -> None:
        user = await account(client)
        wrong_password = await login(client, user.email, "not-the-password")
        unknown_email = await login(client, unique_email("nobody"), "not-the-password")
        assert wrong_password.status_code == unknown_email.status_code == 401
        assert error_code(wrong_password) == "invalid_credentials"
        assert wrong_password.json() == unknown_email.json()
        assert "retry-after" not in wrong_password.headers
        assert "retry-after" not in unknown_email.headers

    async def test_a_wrong_password_runs_exactly_one_argon2_verification(
        self, client: httpx.AsyncClient, argon2_verifications: Verifications
    ) -> None:
        user = await account(client)
        argon2_verifications.reset()
        assert (await login(client, user.email, "not-the-password")).status_code == 401
        assert len(argon2_verifications.calls) == 1
        checked_hash, outcome = argon2_verifications.calls[0]
        assert outcome is False
        assert checked_hash.startswith("$argon2id$")

    async def test_an_unknown_email_runs_exactly_one_argon2_verification(
        self, client: httpx.AsyncClient, argon2_verifications: Verifications
    ) -> None:
        for attempt in range(2):
            argon2_verifications.reset()
            response = await login(client, unique_email("nobody"), "not-the-password")
            assert response.status_code == 401, attempt
            assert len(argon2_verifications.calls) == 1
            checked_hash, outcome = argon2_verifications.calls[0]
            assert outcome is False
            assert checked_hash.startswith("$argon2id$")

    async def test_the_right_password_runs_exactly_one_argon2_verification(
        self, client: httpx.AsyncClient, argon2_verifications: Verifications
    ) -> None:
        user = await account(client)
        argon2_verifications.reset()
        assert (await login(client, user.email, PASSWORD)).status_code == 200
        assert [outcome for _, outcome in argon2_verifications.calls] == [True]

    async def test_failures_are_audited_for_known_and_unknown_emails(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        user, stranger = await account(client), unique_email("nobody")
        await login(client, user.email, "not-the-password")
        await login(client, stranger, "not-the-password")
        known = await audit_entries(database, "auth.login_failed", subject_id=user.email)
        unknown = await audit_entries(database, "auth.login_failed", subject_id=stranger)
        assert [(e.actor_user_id, e.data) for e in known] == [(user.user_id, {"failures": 1})]
        assert [(e.actor_user_id, e.data) for e in unknown] == [(None, {"failures": 1})]


class TestLogin:
    async def test_the_email_matches_whatever_its_letter_case(
        self, client: httpx.AsyncClient
    ) -> None:
        user = await account(client)
        response = await login(client, user.email.upper(), PASSWORD)
        assert response.status_code == 200

    async def test_each_login_starts_a_new_independent_pair(
        self, client: httpx.AsyncClient
    ) -> None:
        user = await account(client)
        first = (await login(client, user.email, PASSWORD)).json()
        second = (await login(client, user.email, PASSWORD)).json()
        assert first["refresh_token"] != second["refresh_token"]
        assert first["access_token"] != second["access_token"]
