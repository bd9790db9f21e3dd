"""Joining a studio and the member records staff search, read and update."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import httpx
import pytest

from tests.factories import Account, Studio, account, staffed_studio


@pytest.fixture
async def staffed(client: httpx.AsyncClient) -> Studio:
    return await staffed_studio(client)


def members_url(studio: Studio, member_id: str | None = None) -> str:
    base = f"/api/v1/orgs/{studio.slug}/members"
    return base if member_id is None else f"{base}/{member_id}"


async def join(client: httpx.AsyncClient, slug: str, person: Account) -> dict[str, Any]:
    response = await client.post(f"/api/v1/orgs/{slug}/join", headers=person.headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def new_member(
    client: httpx.AsyncClient, studio: Studio, full_name: str, email: str | None = None
) -> dict[str, Any]:
    person = await account(client, full_name=full_name, email=email)
    return await join(client, studio.slug, person)


async def read_as(client: httpx.AsyncClient, studio: Studio, role: str) -> httpx.Response:
    return await client.get(
        members_url(studio, studio.member_id), headers=studio.accounts[role].headers
    )


class TestJoinStudio:
    async def test_joining_answers_201_with_the_member_as_they_see_themself(
        self, client: httpx.AsyncClient, staffed: Studio
    ) -> None:
        person = await account(client, full_name="Jo Member")
        joined = await join(client, staffed.slug, person)
        assert joined["user_id"] == str(person.user_id)
        assert (joined["email"], joined["full_name"], joined["status"]) == (
            person.email,
            "Jo Member",
            "active",
        )
        assert "notes" not in joined
        me = (await client.get("/api/v1/me", headers=person.headers)).json()
        assert [(s["organization"]["slug"], s["roles"]) for s in me["studios"]] == [
            (staffed.slug, ["member"])
        ]

    async def test_joining_again_answers_409_already_member(
        self, client: httpx.AsyncClient, staffed: Studio
    ) -> None:
        member = staffed.accounts["member"]
        response = await client.post(f"/api/v1/orgs/{staffed.slug}/join", headers=member.headers)
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "already_member"
        listing = await client.get(
            members_url(staffed),
            headers=staffed.accounts["owner"].headers,
            params={"q": member.email},
        )
        assert len(listing.json()["items"]) == 1

    async def test_joining_an_unknown_studio_answers_404(self, client: httpx.AsyncClient) -> None:
        person = await account(client)
        response = await client.post("/api/v1/orgs/no-such-studio/join", headers=person.headers)
        assert response.status_code == 404

    async def test_joining_needs_a_token(self, client: httpx.AsyncClient, staffed: Studio) -> None:
        response = await client.post(f"/api/v1/orgs/{staffed.slug}/join")
        assert response.status_code == 401


class TestListMembers:
    async def test_search_matches_part_of_a_name_or_an_email_ignoring_case(
        self, client: httpx.AsyncClient, staffed: Studio
    ) -> None:
        tag = uuid.uuid4().hex[:6]
        ada = await new_member(client, staffed, "Ada Lovelace")
        grace = await new_member(client, staffed, "Grace Hopper", email=f"gh-{tag}@navy.example")
        await new_member(client, staffed, "Alan Turing")
        headers = staffed.accounts["receptionist"].headers

        async def ids(q: str) -> set[str]:
            response = await client.get(members_url(staffed), headers=headers, params={"q": q})
            assert response.status_code == 200
            return {m["id"] for m in response.json()["items"]}

        assert await ids("lovelace") == {ada["id"]}
        assert await ids("GRACE") == {grace["id"]}
        assert await ids(f"{tag}@NAVY") == {grace["id"]}
        assert await ids("zzz-nobody") == set()

    async def test_search_treats_percent_and_underscore_literally(
        self, client: httpx.AsyncClient, staffed: Studio
    ) -> None:
        odd = await new_member(client, staffed, "Percy 100% Fit")
        headers = staffed.accounts["owner"].headers
        for q, expected in (("%", {odd["id"]}), ("_", set()), ("0% F", {odd["id"]})):
            response = await client.get(members_url(staffed), headers=headers, params={"q": q})
            assert {m["id"] for m in response.json()["items"]} == expected, q

    async def test_the_status_filter_separates_active_and_inactive_members(
        self, client: httpx.AsyncClient, staffed: Studio
    ) -> None:
        leaving = await new_member(client, staffed, "Leaving Soon")
        headers = staffed.accounts["owner"].headers
        patched = await client.patch(
            members_url(staffed, leaving["id"]), headers=headers, json={"status": "inactive"}
        )
        assert patched.status_code == 200

        async def ids(status: str) -> set[str]:
            response = await client.get(
                members_url(staffed), headers=headers, params={"status": status}
            )
            return {m["id"] for m in response.json()["items"]}

        assert await ids("inactive") == {leaving["id"]}
        assert await ids("active") == {staffed.member_id}
        bad = await client.get(members_url(staffed), headers=headers, params={"status": "gone"})
        assert bad.status_code == 422

    async def test_pages_of_two_walk_every_member_once_in_join_order(
        self, client: httpx.AsyncClient, staffed: Studio
    ) -> None:
        joined = [staffed.member_id]
        for n in range(4):
            joined.append((await new_member(client, staffed, f"Walker {n}"))["id"])
        headers = staffed.accounts["trainer"].headers
        seen: list[str] = []
        cursor: str | None = None
        pages = 0
        while True:
            params: dict[str, str | int] = {"limit": 2}
            if cursor is not None:
                params["cursor"] = cursor
            response = await client.get(members_url(staffed), headers=headers, params=params)
            assert response.status_code == 200
            page = response.json()
            assert len(page["items"]) <= 2
            seen.extend(m["id"] for m in page["items"])
            pages += 1
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == joined
        assert pages == 3

    @pytest.mark.parametrize(
        "cursor",
        [
            "garbage!!",
            base64.urlsafe_b64encode(b"not json").decode(),
            base64.urlsafe_b64encode(json.dumps({"a": 1}).encode()).decode(),
            base64.urlsafe_b64encode(json.dumps(["2024-01-01T00:00:00+00:00"]).encode()).decode(),
            base64.urlsafe_b64encode(
                json.dumps(["yesterday", str(uuid.uuid4())]).encode()
            ).decode(),
            base64.urlsafe_b64encode(
                json.dumps(["2024-01-01T00:00:00", "no-uuid"]).encode()
            ).decode(),
        ],
    )
    async def test_a_garbage_cursor_answers_400_invalid_cursor(
        self, client: httpx.AsyncClient, staffed: Studio, cursor: str
    ) -> None:
        response = await client.get(
            members_url(staffed),
            headers=staffed.accounts["owner"].headers,
            params={"cursor": cursor},
        )
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_cursor"

    async def test_staff_see_the_notes_in_the_list(
        self, client: httpx.AsyncClient, staffed: Studio
    ) -> None:
        headers = staffed.accounts["owner"].headers
        await client.patch(
            members_url(staffed, staffed.member_id), headers=headers, json={"notes": "knee"}
        )
        items = (await client.get(members_url(staffed), headers=headers)).json()["items"]
        assert [(m["id"], m["notes"]) for m in items] == [(staffed.member_id, "knee")]

    @pytest.mark.parametrize("role", ["member", "outsider"])
    async def test_non_staff_cannot_list_members(
        self, client: httpx.AsyncClient, staffed: Studio, role: str
    ) -> None:
        response = await client.get(members_url(staffed), headers=staffed.accounts[role].headers)
        assert response.status_code == 403
        assert "items" not in response.json()


class TestReadMember:
    @pytest.mark.parametrize("role", ["owner", "admin", "trainer", "receptionist"])
    async def test_staff_see_any_member_with_the_notes(
        self, client: httpx.AsyncClient, staffed: Studio, role: str
    ) -> None:
        await client.patch(
            members_url(staffed, staffed.member_id),
            headers=staffed.accounts["owner"].headers,
            json={"notes": "prefers mornings"},
        )
        response = await read_as(client, staffed, role)
        assert response.status_code == 200
        assert response.json()["notes"] == "prefers mornings"
        assert response.json()["email"] == staffed.accounts["member"].email

    async def test_the_member_sees_themself_without_the_notes(
        self, client: httpx.AsyncClient, staffed: Studio
    ) -> None:
        await client.patch(
            members_url(staffed, staffed.member_id),
            headers=staffed.accounts["owner"].headers,
            json={"notes": "secret staff note"},
        )
        response = await read_as(client, staffed, "member")
        assert response.status_code == 200
        body = response.json()
        assert body["id"] == staffed.member_id
        assert "notes" not in body
        assert "secret staff note" not in response.text

    @pytest.mark.parametrize("role", ["other member", "outsider"])
    async def test_anyone_else_gets_404(
        self, client: httpx.AsyncClient, staffed: Studio, role: str
    ) -> None:
        if role == "other member":
            other = await account(client)
            await join(client, staffed.slug, other)
        else:
            other = staffed.accounts["outsider"]
        response = await client.get(members_url(staffed, staffed.member_id), headers=other.headers)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "member_not_found"
        assert staffed.accounts["member"].email not in response.text

    async def test_an_unknown_member_id_answers_404(
        self, client: httpx.AsyncClient, staffed: Studio
    ) -> None:
        response = await client.get(
            members_url(staffed, str(uuid.uuid4())), headers=staffed.accounts["owner"].headers
        )
        assert response.status_code == 404


class TestUpdateMember:
    @pytest.mark.parametrize("role", ["receptionist", "trainer", "admin", "owner"])
    async def test_staff_change_notes_and_status_and_it_is_audited(
        self, client: httpx.AsyncClient, staffed: Studio, role: str
    ) -> None:
        staff = staffed.accounts[role]
        change = {"notes": "paid cash", "status": "inactive", "phone": "+44 20 7946 0000"}
        response = await client.patch(
            members_url(staffed, staffed.member_id),
            headers={**staff.headers, "X-Request-ID": f"edit-{role}"},
            json=change,
        )
        assert response.status_code == 200, response.text
        stored = (await read_as(client, staffed, "owner")).json()
        assert {k: stored[k] for k in change} == change
        log = await client.get(
            f"/api/v1/orgs/{staffed.slug}/audit",
            headers=staffed.accounts["owner"].headers,
            params={"action": "member.updated"},
        )
        [entry] = log.json()["items"]
        assert (entry["actor_user_id"], entry["subject_id"], entry["request_id"]) == (
            str(staff.user_id),
            staffed.member_id,
            f"edit-{role}",
        )
        assert entry["data"] == {"fields": ["notes", "phone", "status"]}

    async def test_fields_not_given_stay_and_null_clears_notes(
        self, client: httpx.AsyncClient, staffed: Studio
    ) -> None:
        url, headers = members_url(staffed, staffed.member_id), staffed.accounts["owner"].headers
        await client.patch(url, headers=headers, json={"notes": "a", "emergency_contact": "Mum"})
        await client.patch(url, headers=headers, json={"notes": None})
        stored = (await client.get(url, headers=headers)).json()
        assert (stored["notes"], stored["emergency_contact"], stored["status"]) == (
            None,
            "Mum",
            "active",
        )

    async def test_the_member_cannot_update_their_own_record(
        self, client: httpx.AsyncClient, staffed: Studio
    ) -> None:
        before = (await read_as(client, staffed, "owner")).json()
        response = await client.patch(
            members_url(staffed, staffed.member_id),
            headers=staffed.accounts["member"].headers,
            json={"notes": "VIP, free classes", "status": "active"},
        )
        assert response.status_code == 403
        assert (await read_as(client, staffed, "owner")).json() == before

    @pytest.mark.parametrize(
        "body",
        [
            {"user_id": str(uuid.uuid4())},
            {"email": "new@example.com"},
            {"organization_id": str(uuid.uuid4())},
            {"id": str(uuid.uuid4())},
            {"status": "banned"},
            {"status": None},
            {"phone": "call me"},
        ],
    )
    async def test_unknown_fields_and_bad_values_answer_422(
        self, client: httpx.AsyncClient, staffed: Studio, body: dict[str, str | None]
    ) -> None:
        before = (await read_as(client, staffed, "owner")).json()
        response = await client.patch(
            members_url(staffed, staffed.member_id),
            headers=staffed.accounts["owner"].headers,
            json={**body, "notes": "should not stick"},
        )
        assert response.status_code == 422
        assert (await read_as(client, staffed, "owner")).json() == before
