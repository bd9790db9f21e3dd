"""/orgs/{org}/staff: who may grant, change and take away staff roles."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.factories import Account, Studio, account, staffed_studio, unique_email


@pytest.fixture
async def staffed(client: httpx.AsyncClient) -> Studio:
    return await staffed_studio(client)


def staff_url(studio: Studio, staff_id: str | None = None) -> str:
    base = f"/api/v1/orgs/{studio.slug}/staff"
    return base if staff_id is None else f"{base}/{staff_id}"


async def roles_in(client: httpx.AsyncClient, person: Account, slug: str) -> list[str]:
    """The person's roles in the studio, as GET /me tells them."""
    me = (await client.get("/api/v1/me", headers=person.headers)).json()
    for entry in me["studios"]:
        if entry["organization"]["slug"] == slug:
            roles: list[str] = entry["roles"]
            return roles
    return []


async def staff_roles(client: httpx.AsyncClient, studio: Studio) -> dict[str, str]:
    """email -> role, from the staff list as the owner sees it."""
    response = await client.get(staff_url(studio), headers=studio.accounts["owner"].headers)
    assert response.status_code == 200
    return {s["email"]: s["role"] for s in response.json()["items"]}


async def add(
    client: httpx.AsyncClient, studio: Studio, by: str, email: str, role: str
) -> httpx.Response:
    return await client.post(
        staff_url(studio), headers=studio.accounts[by].headers, json={"email": email, "role": role}
    )


async def make_second_owner(client: httpx.AsyncClient, studio: Studio) -> None:
    response = await client.patch(
        staff_url(studio, studio.staff_ids["admin"]),
        headers=studio.accounts["owner"].headers,
        json={"role": "owner"},
    )
    assert response.status_code == 200, response.text


class TestAddStaff:
    @pytest.mark.parametrize("role", ["admin", "trainer", "receptionist"])
    async def test_an_owner_adds_each_staff_role(
        self, client: httpx.AsyncClient, staffed: Studio, role: str
    ) -> None:
        person = await account(client, full_name="New Hire")
        response = await add(client, staffed, "owner", person.email, role)
        assert response.status_code == 201, response.text
        created = response.json()
        assert (created["email"], created["role"], created["full_name"]) == (
            person.email,
            role,
            "New Hire",
        )
        assert created["user_id"] == str(person.user_id)
        assert (await staff_roles(client, staffed))[person.email] == role
        assert await roles_in(client, person, staffed.slug) == [role]

    @pytest.mark.parametrize("role", ["trainer", "receptionist"])
    async def test_an_admin_adds_roles_below_admin(
        self, client: httpx.AsyncClient, staffed: Studio, role: str
    ) -> None:
        person = await account(client)
        response = await add(client, staffed, "admin", person.email, role)
        assert response.status_code == 201
        assert await roles_in(client, person, staffed.slug) == [role]

    async def test_only_an_owner_grants_admin(
        self, client: httpx.AsyncClient, staffed: Studio
    ) -> None:
        person = await account(client)
        response = await add(client, staffed, "admin", person.email, "admin")
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "role_not_assignable"
        assert await roles_in(client, person, staffed.slug) == []

    @pytest.mark.parametrize("by", ["owner", "admin"])
    async def test_the_owner_role_is_never_granted_by_adding(
        self, client: httpx.AsyncClient, staffed: Studio, by: str
    ) -> None:
        person = await account(client)
        response = await add(client, staffed, by, person.email, "owner")
        assert response.status_code == 422
        assert await roles_in(client, person, staffed.slug) == []

    @pytest.mark.parametrize("by", ["trainer", "receptionist", "member", "outsider"])
    async def test_below_admin_nobody_adds_staff(
        self, client: httpx.AsyncClient, staffed: Studio, by: str
    ) -> None:
        person = await account(client)
        response = await add(client, staffed, by, person.email, "receptionist")
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_denied"
        assert await roles_in(client, person, staffed.slug) == []

    async def test_an_unknown_email_answers_404_user_not_found(
        self, client: httpx.AsyncClient, staffed: Studio
    ) -> None:
        before = await staff_roles(client, staffed)
        response = await add(client, staffed, "owner", unique_email("nobody"), "trainer")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "user_not_found"
        assert await staff_roles(client, staffed) == before

    @pytest.mark.parametrize("existing", ["owner", "admin", "trainer", "receptionist"])
    async def test_adding_someone_already_on_staff_answers_409_already_staff(
        self, client: httpx.AsyncClient, staffed: Studio, existing: str
    ) -> None:
        before = await staff_roles(client, staffed)
        email = staffed.accounts[existing].email
        response = await add(client, staffed, "owner", email, "receptionist")
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "already_staff"
        assert await staff_roles(client, staffed) == before

    async def test_a_member_can_be_made_staff_and_keeps_their_membership(
        self, client: httpx.AsyncClient, staffed: Studio
    ) -> None:
        member = staffed.accounts["member"]
        response = await add(client, staffed, "owner", member.email, "trainer")
        assert response.status_code == 201
        assert await roles_in(client, member, staffed.slug) == ["trainer", "member"]


class TestChangeStaffRole:
    async def test_an_owner_promotes_a_trainer_to_admin(
        self, client: httpx.AsyncClient, staffed: Studio
    ) -> None:
        response = await client.patch(
            staff_url(staffed, staffed.staff_ids["trainer"]),
            headers=staffed.accounts["owner"].headers,
            json={"role": "admin"},
        )
        assert response.status_code == 200, response.text
        assert response.json()["role"] == "admin"
        assert await roles_in(client, staffed.accounts["trainer"], staffed.slug) == ["admin"]

    async def test_an_admin_moves_staff_between_roles_below_admin(
        self, client: httpx.AsyncClient, staffed: Studio
    ) -> None:
        response = await client.patch(
            staff_url(staffed, staffed.staff_ids["trainer"]),
            headers=staffed.accounts["admin"].headers,
            json={"role": "receptionist"},
        )
        assert response.status_code == 200
        assert await roles_in(client, staffed.accounts["trainer"], staffed.slug) == ["receptionist"]

    @pytest.mark.parametrize(
        ("target", "role"),
        [
            ("owner", "receptionist"),
            ("owner", "admin"),
            ("admin", "trainer"),
            ("admin", "owner"),
            ("trainer", "admin"),
            ("trainer", "owner"),
        ],
    )
    async def test_an_admin_cannot_touch_admins_or_owners_nor_grant_admin(
        self, client: httpx.AsyncClient, staffed: Studio, target: str, role: str
    ) -> None:
        second_admin = await account(client)
        await add(client, staffed, "owner", second_admin.email, "admin")
        before = await staff_roles(client, staffed)
        response = await client.patch(
            staff_url(staffed, staffed.staff_ids[target]),
            headers=second_admin.headers,
            json={"role": role},
        )
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "role_not_assignable"
        assert await staff_roles(client, staffed) == before

    async def test_an_unknown_staff_id_answers_404(
        self, client: httpx.AsyncClient, staffed: Studio
    ) -> None:
        response = await client.patch(
            staff_url(staffed, str(uuid.uuid4())),
            headers=staffed.accounts["owner"].headers,
            json={"role": "trainer"},
        )
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "staff_not_found"

    async def test_the_last_owner_cannot_be_demoted(
        self, client: httpx.AsyncClient, staffed: Studio
    ) -> None:
        response = await client.patch(
            staff_url(staffed, staffed.staff_ids["owner"]),
            headers=staffed.accounts["owner"].headers,
            json={"role": "admin"},
        )
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "last_owner"
        assert await roles_in(client, staffed.accounts["owner"], staffed.slug) == ["owner"]

    async def test_with_two_owners_one_can_be_demoted(
        self, client: httpx.AsyncClient, staffed: Studio
    ) -> None:
        await make_second_owner(client, staffed)
        response = await client.patch(
            staff_url(staffed, staffed.staff_ids["owner"]),
            headers=staffed.accounts["admin"].headers,  # now an owner too
            json={"role": "trainer"},
        )
        assert response.status_code == 200, response.text
        assert await roles_in(client, staffed.accounts["owner"], staffed.slug) == ["trainer"]
        again = await client.patch(
            staff_url(staffed, staffed.staff_ids["admin"]),
            headers=staffed.accounts["admin"].headers,
            json={"role": "admin"},
        )
        assert again.status_code == 409
        assert again.json()["error"]["code"] == "last_owner"

    @pytest.mark.parametrize("role", ["member", "superuser", ""])
    async def test_a_role_outside_the_staff_roles_answers_422(
        self, client: httpx.AsyncClient, staffed: Studio, role: str
    ) -> None:
        response = await client.patch(
            staff_url(staffed, staffed.staff_ids["trainer"]),
            headers=staffed.accounts["owner"].headers,
            json={"role": role},
        )
        assert response.status_code == 422
        assert (await staff_roles(client, staffed))[staffed.accounts["trainer"].email] == "trainer"


class TestRemoveStaff:
    @pytest.mark.parametrize(("by", "target"), [("owner", "admin"), ("admin", "trainer")])
    async def test_removing_staff_takes_their_role_away(
        self, client: httpx.AsyncClient, staffed: Studio, by: str, target: str
    ) -> None:
        response = await client.delete(
            staff_url(staffed, staffed.staff_ids[target]), headers=staffed.accounts[by].headers
        )
        assert response.status_code == 204
        assert staffed.accounts[target].email not in await staff_roles(client, staffed)
        assert await roles_in(client, staffed.accounts[target], staffed.slug) == []
        again = await client.delete(
            staff_url(staffed, staffed.staff_ids[target]), headers=staffed.accounts[by].headers
        )
        assert again.status_code == 404

    @pytest.mark.parametrize("target", ["owner", "admin"])
    async def test_an_admin_cannot_remove_an_admin_or_the_owner(
        self, client: httpx.AsyncClient, staffed: Studio, target: str
    ) -> None:
        second_admin = await account(client)
        await add(client, staffed, "owner", second_admin.email, "admin")
        before = await staff_roles(client, staffed)
        response = await client.delete(
            staff_url(staffed, staffed.staff_ids[target]), headers=second_admin.headers
        )
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "role_not_assignable"
        assert await staff_roles(client, staffed) == before

    @pytest.mark.parametrize("by", ["trainer", "receptionist", "member"])
    async def test_below_admin_nobody_removes_staff(
        self, client: httpx.AsyncClient, staffed: Studio, by: str
    ) -> None:
        before = await staff_roles(client, staffed)
        response = await client.delete(
            staff_url(staffed, staffed.staff_ids["receptionist"]),
            headers=staffed.accounts[by].headers,
        )
        assert response.status_code == 403
        assert await staff_roles(client, staffed) == before

    async def test_the_last_owner_cannot_be_removed(
        self, client: httpx.AsyncClient, staffed: Studio
    ) -> None:
        response = await client.delete(
            staff_url(staffed, staffed.staff_ids["owner"]),
            headers=staffed.accounts["owner"].headers,
        )
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "last_owner"
        assert await roles_in(client, staffed.accounts["owner"], staffed.slug) == ["owner"]

    async def test_with_two_owners_one_can_be_removed(
        self, client: httpx.AsyncClient, staffed: Studio
    ) -> None:
        await make_second_owner(client, staffed)
        response = await client.delete(
            staff_url(staffed, staffed.staff_ids["owner"]),
            headers=staffed.accounts["owner"].headers,
        )
        assert response.status_code == 204
        assert await roles_in(client, staffed.accounts["owner"], staffed.slug) == []
        assert await roles_in(client, staffed.accounts["admin"], staffed.slug) == ["owner"]


class TestStaffChangesAreAudited:
    async def test_additions_role_changes_and_removals_are_in_the_audit_log(
        self, client: httpx.AsyncClient, staffed: Studio
    ) -> None:
        owner, admin = staffed.accounts["owner"], staffed.accounts["admin"]
        hire = await account(client)
        added = await client.post(
            staff_url(staffed),
            headers={**admin.headers, "X-Request-ID": "req-add"},
            json={"email": hire.email, "role": "trainer"},
        )
        assert added.status_code == 201
        changed = await client.patch(
            staff_url(staffed, added.json()["id"]),
            headers={**owner.headers, "X-Request-ID": "req-change"},
            json={"role": "admin"},
        )
        assert changed.status_code == 200
        removed = await client.delete(
            staff_url(staffed, added.json()["id"]),
            headers={**owner.headers, "X-Request-ID": "req-remove"},
        )
        assert removed.status_code == 204

        log = await client.get(
            f"/api/v1/orgs/{staffed.slug}/audit", headers=admin.headers, params={"limit": 3}
        )
        assert log.status_code == 200
        entries: list[dict[str, Any]] = log.json()["items"]
        summary = [
            (e["action"], e["actor_user_id"], e["request_id"], e["subject_id"], e["data"])
            for e in entries
        ]
        subject = str(hire.user_id)
        assert summary == [
            ("staff.removed", str(owner.user_id), "req-remove", subject, {"role": "admin"}),
            (
                "staff.role_changed",
                str(owner.user_id),
                "req-change",
                subject,
                {"from": "trainer", "to": "admin"},
            ),
            ("staff.added", str(admin.user_id), "req-add", subject, {"role": "trainer"}),
        ]
        assert {e["subject_type"] for e in entries} == {"user"}

    async def test_a_refused_change_leaves_no_audit_entry(
        self, client: httpx.AsyncClient, staffed: Studio
    ) -> None:
        owner = staffed.accounts["owner"]
        audit = f"/api/v1/orgs/{staffed.slug}/audit"
        before = (await client.get(audit, headers=owner.headers)).json()["items"]
        refused = await client.delete(
            staff_url(staffed, staffed.staff_ids["owner"]), headers=owner.headers
        )
        assert refused.status_code == 409
        assert (await client.get(audit, headers=owner.headers)).json()["items"] == before
