"""Token lifecycle: the login pair, refresh rotation, reuse detection and logout."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx

from fitflow.kit import time
from fitflow.kit.db import Database
from tests.auth.helpers import AUTH, audit_entries, bearer, error_code, login, me_status, refresh
from tests.factories import PASSWORD, account, unique_email


class TestLoginPair:
    async def test_login_answers_a_bearer_pair_whose_access_token_lives_15_minutes(
        self, client: httpx.AsyncClient
    ) -> None:
        user = await account(client)
        response = await login(client, user.email, PASSWORD)
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in"}
        assert body["token_type"] == "bearer"
        assert body["expires_in"] == 900
        assert body["access_token"] != body["refresh_token"]

    async def test_the_access_token_authenticates_the_caller_on_me(
        self, client: httpx.AsyncClient
    ) -> None:
        user = await account(client)
        me = await client.get("/api/v1/me", headers=user.headers)
        assert me.status_code == 200
        assert me.json()["id"] == str(user.user_id)
        assert me.json()["email"] == user.email

    async def test_me_without_a_token_answers_401(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/v1/me")
        assert response.status_code == 401
        assert error_code(response) == "invalid_token"


class TestRefreshRotation:
    async def test_refresh_answers_a_new_working_pair(self, client: httpx.AsyncClient) -> None:
        user = await account(client)
        response = await refresh(client, user.refresh_token)
        assert response.status_code == 200
        pair = response.json()
        assert pair["token_type"] == "bearer"
        assert pair["expires_in"] == 900
        assert pair["refresh_token"] != user.refresh_token
        assert pair["access_token"] != user.access_token
        assert await me_status(client, pair["access_token"]) == 200
        assert (await refresh(client, pair["refresh_token"])).status_code == 200

    async def test_refresh_spends_the_old_refresh_token(self, client: httpx.AsyncClient) -> None:
        user = await account(client)
        assert (await refresh(client, user.refresh_token)).status_code == 200
        again = await refresh(client, user.refresh_token)
        assert again.status_code == 401
        assert error_code(again) == "refresh_token_reused"

    async def test_an_unknown_refresh_token_is_refused(self, client: httpx.AsyncClient) -> None:
        response = await refresh(client, "not-a-token-fitflow-ever-issued")
        assert response.status_code == 401
        assert error_code(response) == "invalid_refresh_token"

    async def test_a_refresh_token_past_its_lifetime_is_refused(
        self, client: httpx.AsyncClient
    ) -> None:
        user = await account(client)
        with time.frozen(time.now() + timedelta(days=30, seconds=1)):
            response = await refresh(client, user.refresh_token)
        assert response.status_code == 401
        assert error_code(response) == "invalid_refresh_token"


class TestRefreshTokenReuse:
    async def test_presenting_a_spent_refresh_token_revokes_the_whole_family(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        user = await account(client)
        second = (await refresh(client, user.refresh_token)).json()
        newest = (await refresh(client, second["refresh_token"])).json()

        reused = await refresh(client, user.refresh_token)

        assert reused.status_code == 401
        assert error_code(reused) == "refresh_token_reused"
        newest_refresh = await refresh(client, newest["refresh_token"])
        assert newest_refresh.status_code == 401
        assert error_code(newest_refresh) == "invalid_refresh_token"
        for access_token in (user.access_token, second["access_token"], newest["access_token"]):
            assert await me_status(client, access_token) == 401
        entries = await audit_entries(database, "auth.refresh_token_reused")
        assert len(entries) == 1
        assert entries[0].actor_user_id == user.user_id
        assert entries[0].subject_type == "token_family"

    async def test_a_reuse_leaves_the_other_logins_of_the_user_working(
        self, client: httpx.AsyncClient
    ) -> None:
        user = await account(client)
        other_login = (await login(client, user.email, PASSWORD)).json()
        assert (await refresh(client, user.refresh_token)).status_code == 200

        assert (await refresh(client, user.refresh_token)).status_code == 401

        assert await me_status(client, other_login["access_token"]) == 200
        assert (await refresh(client, other_login["refresh_token"])).status_code == 200

    async def test_two_concurrent_refreshes_of_one_token_are_seen_as_reuse(
        self, committed_client: httpx.AsyncClient, committed_database: Database
    ) -> None:
        user = await account(committed_client)
        first, second = await asyncio.gather(
            refresh(committed_client, user.refresh_token),
            refresh(committed_client, user.refresh_token),
        )
        statuses = sorted([first.status_code, second.status_code])
        assert statuses == [200, 401]
        loser = first if first.status_code == 401 else second
        winner = first if first.status_code == 200 else second
        assert error_code(loser) == "refresh_token_reused"
        assert (await refresh(committed_client, winner.json()["refresh_token"])).status_code == 401
        assert len(await audit_entries(committed_database, "auth.refresh_token_reused")) == 1


class TestLogout:
    async def test_logout_revokes_the_family_access_and_refresh(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        user = await account(client)
        rotated = (await refresh(client, user.refresh_token)).json()
        response = await client.post(
            f"{AUTH}/logout",
            headers=bearer(rotated["access_token"]),
            json={"refresh_token": rotated["refresh_token"]},
        )
        assert response.status_code == 204
        assert await me_status(client, rotated["access_token"]) == 401
        assert await me_status(client, user.access_token) == 401
        after = await refresh(client, rotated["refresh_token"])
        assert after.status_code == 401
        assert error_code(after) == "invalid_refresh_token"
        assert len(await audit_entries(database, "auth.logged_out")) == 1

    async def test_logout_leaves_the_other_logins_of_the_user_working(
        self, client: httpx.AsyncClient
    ) -> None:
        user = await account(client)
        other_login = (await login(client, user.email, PASSWORD)).json()
        response = await client.post(
            f"{AUTH}/logout", headers=user.headers, json={"refresh_token": user.refresh_token}
        )
        assert response.status_code == 204
        assert await me_status(client, other_login["access_token"]) == 200
        assert (await refresh(client, other_login["refresh_token"])).status_code == 200

    async def test_logout_cannot_end_another_users_login(self, client: httpx.AsyncClient) -> None:
        user, victim = await account(client), await account(client, email=unique_email("victim"))
        response = await client.post(
            f"{AUTH}/logout", headers=user.headers, json={"refresh_token": victim.refresh_token}
        )
        assert response.status_code == 204
        assert await me_status(client, victim.access_token) == 200
        assert (await refresh(client, victim.refresh_token)).status_code == 200

    async def test_logout_requires_an_access_token(self, client: httpx.AsyncClient) -> None:
        user = await account(client)
        response = await client.post(f"{AUTH}/logout", json={"refresh_token": user.refresh_token})
        assert response.status_code == 401
        assert (await refresh(client, user.refresh_token)).status_code == 200
