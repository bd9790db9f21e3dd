"""Platform operators deactivate and reactivate accounts."""

from __future__ import annotations

import uuid

import httpx

from fitflow.kit.db import Database
from tests.auth.helpers import AUTH, audit_entries, error_code, login, me_status, refresh
from tests.conftest import table_count
from tests.factories import PASSWORD, Account, account, superuser_account


def admin_path(user_id: uuid.UUID, action: str) -> str:
    return f"/api/v1/admin/users/{user_id}/{action}"


async def deactivate(client: httpx.AsyncClient, operator: Account, user_id: uuid.UUID) -> None:
    response = await client.post(admin_path(user_id, "deactivate"), headers=operator.headers)
    assert response.status_code == 200, response.text
    assert response.json()["is_active"] is False


class TestDeactivate:
    async def test_the_users_existing_access_token_is_refused_at_once(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        operator, user = await superuser_account(client, database), await account(client)
        assert await me_status(client, user.access_token) == 200
        await deactivate(client, operator, user.user_id)
        me = await client.get("/api/v1/me", headers=user.headers)
        assert me.status_code == 401
        assert error_code(me) == "invalid_token"

    async def test_the_users_refresh_tokens_stop_working(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        operator, user = await superuser_account(client, database), await account(client)
        await deactivate(client, operator, user.user_id)
        response = await refresh(client, user.refresh_token)
        assert response.status_code == 401
        assert error_code(response) == "invalid_refresh_token"

    async def test_a_deactivated_account_cannot_log_in(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        operator, user = await superuser_account(client, database), await account(client)
        await deactivate(client, operator, user.user_id)
        response = await login(client, user.email, PASSWORD)
        assert response.status_code == 403
        assert error_code(response) == "account_deactivated"

    async def test_a_wrong_password_on_a_deactivated_account_reveals_nothing(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        operator, user = await superuser_account(client, database), await account(client)
        await deactivate(client, operator, user.user_id)
        response = await login(client, user.email, "not-the-password")
        assert response.status_code == 401
        assert error_code(response) == "invalid_credentials"

    async def test_a_deactivated_account_gets_no_password_reset_email(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        operator, user = await superuser_account(client, database), await account(client)
        await deactivate(client, operator, user.user_id)
        response = await client.post(f"{AUTH}/password-reset", json={"email": user.email})
        assert response.status_code == 202
        assert await table_count(database, "outbound_emails") == 0

    async def test_deactivation_is_audited_with_the_operator(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        operator, user = await superuser_account(client, database), await account(client)
        await deactivate(client, operator, user.user_id)
        entries = await audit_entries(
            database, "auth.user_deactivated", subject_id=str(user.user_id)
        )
        assert [entry.actor_user_id for entry in entries] == [operator.user_id]

    async def test_an_unknown_user_answers_404(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        operator = await superuser_account(client, database)
        response = await client.post(
            admin_path(uuid.uuid4(), "deactivate"), headers=operator.headers
        )
        assert response.status_code == 404
        assert error_code(response) == "user_not_found"


class TestReactivate:
    async def test_reactivation_restores_login_but_not_the_ended_sessions(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        operator, user = await superuser_account(client, database), await account(client)
        await deactivate(client, operator, user.user_id)
        response = await client.post(
            admin_path(user.user_id, "reactivate"), headers=operator.headers
        )
        assert response.status_code == 200
        assert response.json()["is_active"] is True
        fresh = await login(client, user.email, PASSWORD)
        assert fresh.status_code == 200
        assert await me_status(client, fresh.json()["access_token"]) == 200
        assert await me_status(client, user.access_token) == 401
        assert (await refresh(client, user.refresh_token)).status_code == 401
        reactivated = await audit_entries(
            database, "auth.user_reactivated", subject_id=str(user.user_id)
        )
        assert [entry.actor_user_id for entry in reactivated] == [operator.user_id]


class TestOnlySuperusers:
    async def test_a_non_superuser_cannot_deactivate_and_changes_nothing(
        self, client: httpx.AsyncClient
    ) -> None:
        caller, user = await account(client), await account(client)
        response = await client.post(admin_path(user.user_id, "deactivate"), headers=caller.headers)
        assert response.status_code == 403
        assert error_code(response) == "permission_denied"
        assert await me_status(client, user.access_token) == 200
        assert (await login(client, user.email, PASSWORD)).status_code == 200

    async def test_a_non_superuser_cannot_reactivate(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        operator, user = await superuser_account(client, database), await account(client)
        await deactivate(client, operator, user.user_id)
        response = await client.post(admin_path(user.user_id, "reactivate"), headers=user.headers)
        assert response.status_code == 401
        caller = await account(client)
        response = await client.post(admin_path(user.user_id, "reactivate"), headers=caller.headers)
        assert response.status_code == 403
        assert error_code(response) == "permission_denied"
        assert (await login(client, user.email, PASSWORD)).status_code == 403

    async def test_a_caller_without_a_token_answers_401(self, client: httpx.AsyncClient) -> None:
        user = await account(client)
        response = await client.post(admin_path(user.user_id, "deactivate"))
        assert response.status_code == 401
        assert await me_status(client, user.access_token) == 200
