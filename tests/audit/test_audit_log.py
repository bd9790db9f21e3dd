"""GET /orgs/{org}/audit: the studio's audit log for its admins."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
import pytest

from tests.factories import Studio, staffed_studio


@pytest.fixture
async def staffed(client: httpx.AsyncClient) -> Studio:
    return await staffed_studio(client)


def audit_url(studio: Studio) -> str:
    return f"/api/v1/orgs/{studio.slug}/audit"


async def rename(client: httpx.AsyncClient, studio: Studio, names: list[str]) -> None:
    for name in names:
        response = await client.patch(
            f"/api/v1/orgs/{studio.slug}",
            headers={**studio.accounts["owner"].headers, "X-Request-ID": f"rename-{name}"},
            json={"name": name},
        )
        assert response.status_code == 200


async def entries(
    client: httpx.AsyncClient, studio: Studio, role: str = "admin", **params: str | int
) -> list[dict[str, Any]]:
    response = await client.get(
        audit_url(studio), headers=studio.accounts[role].headers, params=params
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


class TestAuditLog:
    async def test_the_log_lists_the_newest_entry_first(
        self, client: httpx.AsyncClient, staffed: Studio
    ) -> None:
        await rename(client, staffed, ["One", "Two", "Three"])
        log = await entries(client, staffed)
        assert [e["request_id"] for e in log[:3]] == ["rename-Three", "rename-Two", "rename-One"]
        times = [datetime.fromisoformat(e["created_at"]) for e in log]
        assert times == sorted(times, reverse=True)
        # staffed_studio opened the studio, added three staff, let a member join and
        # put a plan on sale
        assert [e["action"] for e in log[3:]] == [
            "plan.created",
            "member.joined",
            "staff.added",
            "staff.added",
            "staff.added",
            "studio.created",
        ]

    async def test_the_studio_creation_is_logged_with_its_owner_as_actor(
        self, client: httpx.AsyncClient, staffed: Studio
    ) -> None:
        [created] = await entries(client, staffed, action="studio.created")
        studio = (await client.get(f"/api/v1/orgs/{staffed.slug}")).json()
        assert created["actor_user_id"] == str(staffed.accounts["owner"].user_id)
        assert (created["subject_type"], created["subject_id"]) == ("organization", studio["id"])
        assert created["organization_id"] == studio["id"]

    async def test_pages_walk_the_whole_log_once(
        self, client: httpx.AsyncClient, staffed: Studio
    ) -> None:
        await rename(client, staffed, ["A", "B", "C", "D"])
        everything = [e["id"] for e in await entries(client, staffed)]
        assert len(everything) == 10
        walked: list[str] = []
        cursor: str | None = None
        for _ in range(10):
            params: dict[str, str | int] = {"limit": 2}
            if cursor is not None:
                params["cursor"] = cursor
            response = await client.get(
                audit_url(staffed), headers=staffed.accounts["owner"].headers, params=params
            )
            page = response.json()
            assert 1 <= len(page["items"]) <= 2
            walked.extend(e["id"] for e in page["items"])
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert walked == everything

    async def test_a_garbage_cursor_answers_400(
        self, client: httpx.AsyncClient, staffed: Studio
    ) -> None:
        response = await client.get(
            audit_url(staffed),
            headers=staffed.accounts["owner"].headers,
            params={"cursor": "bm90IGEgY3Vyc29y"},
        )
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_cursor"

    async def test_the_action_filter_keeps_only_that_action(
        self, client: httpx.AsyncClient, staffed: Studio
    ) -> None:
        await rename(client, staffed, ["X"])
        added = await entries(client, staffed, action="staff.added")
        assert [e["action"] for e in added] == ["staff.added"] * 3
        assert {e["data"]["role"] for e in added} == {"admin", "trainer", "receptionist"}
        assert await entries(client, staffed, action="no.such.action") == []

    async def test_the_log_holds_only_this_studios_entries(
        self, client: httpx.AsyncClient, staffed: Studio
    ) -> None:
        other = await staffed_studio(client)
        await rename(client, other, ["Elsewhere"])
        studio_id = (await client.get(f"/api/v1/orgs/{staffed.slug}")).json()["id"]
        log = await entries(client, staffed)
        assert {e["organization_id"] for e in log} == {studio_id}
        assert "rename-Elsewhere" not in {e["request_id"] for e in log}

    @pytest.mark.parametrize("role", ["owner", "admin"])
    async def test_admins_and_owners_read_the_log(
        self, client: httpx.AsyncClient, staffed: Studio, role: str
    ) -> None:
        assert len(await entries(client, staffed, role)) == 6

    @pytest.mark.parametrize("role", ["trainer", "receptionist", "member", "outsider"])
    async def test_below_admin_the_log_is_refused(
        self, client: httpx.AsyncClient, staffed: Studio, role: str
    ) -> None:
        response = await client.get(audit_url(staffed), headers=staffed.accounts[role].headers)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_denied"

    async def test_without_a_token_the_log_is_refused(
        self, client: httpx.AsyncClient, staffed: Studio
    ) -> None:
        response = await client.get(audit_url(staffed))
        assert response.status_code == 401


class TestNothingChanged:
    async def test_an_empty_update_writes_no_entry(
        self, client: httpx.AsyncClient, staffed: Studio
    ) -> None:
        before = await entries(client, staffed)
        owner = staffed.accounts["owner"].headers
        studio = await client.patch(f"/api/v1/orgs/{staffed.slug}", headers=owner, json={})
        member = await client.patch(
            f"/api/v1/orgs/{staffed.slug}/members/{staffed.member_id}", headers=owner, json={}
        )
        assert studio.status_code == member.status_code == 200
        assert await entries(client, staffed) == before
