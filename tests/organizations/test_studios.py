"""POST /orgs, GET and PATCH /orgs/{org}: opening a studio, its profile and its policy."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.factories import Studio, account, staffed_studio, studio
from tests.organizations.test_policy import API_EXAMPLE, INVALID

ORGS = "/api/v1/orgs"


def new_studio_body(**overrides: str) -> dict[str, str]:
    body = {
        "name": "Yoga Loft",
        "slug": f"loft-{uuid.uuid4().hex[:8]}",
        "timezone": "Europe/Berlin",
        "currency": "EUR",
    }
    return {**body, **overrides}


async def read_studio(client: httpx.AsyncClient, slug: str) -> dict[str, Any]:
    response = await client.get(f"{ORGS}/{slug}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


class TestCreateStudio:
    async def test_creating_a_studio_answers_201_and_makes_the_caller_its_owner(
        self, client: httpx.AsyncClient
    ) -> None:
        founder = await account(client)
        body = new_studio_body(name="Harbour Boxing", timezone="America/New_York", currency="USD")
        response = await client.post(ORGS, headers=founder.headers, json=body)
        assert response.status_code == 201, response.text
        created = response.json()
        assert {k: created[k] for k in body} == body
        assert created["policy"] == API_EXAMPLE
        me = (await client.get("/api/v1/me", headers=founder.headers)).json()
        assert me["studios"] == [
            {
                "organization": {"id": created["id"], "slug": body["slug"], "name": body["name"]},
                "roles": ["owner"],
            }
        ]

    async def test_a_taken_slug_answers_409_slug_taken(self, client: httpx.AsyncClient) -> None:
        first, second = await account(client), await account(client)
        body = new_studio_body()
        assert (await client.post(ORGS, headers=first.headers, json=body)).status_code == 201
        again = await client.post(ORGS, headers=second.headers, json={**body, "name": "Other"})
        assert again.status_code == 409
        assert again.json()["error"]["code"] == "slug_taken"
        assert (await read_studio(client, body["slug"]))["name"] == body["name"]
        me = (await client.get("/api/v1/me", headers=second.headers)).json()
        assert me["studios"] == []

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("slug", "ab"),
            ("slug", "Yoga-Loft"),
            ("slug", "yoga_loft"),
            ("slug", "-yoga"),
            ("slug", "yoga-"),
            ("slug", "yoga--loft"),
            ("slug", "admin"),
            ("slug", "a" * 64),
            ("timezone", "Mars/Olympus_Mons"),
            ("timezone", "+02:00"),
            ("timezone", ""),
            ("currency", "EURO"),
            ("currency", "ABC"),
            ("currency", "eur"),
            ("name", ""),
        ],
    )
    async def test_a_bad_slug_timezone_or_currency_answers_422(
        self, client: httpx.AsyncClient, field: str, value: str
    ) -> None:
        founder = await account(client)
        response = await client.post(
            ORGS, headers=founder.headers, json=new_studio_body(**{field: value})
        )
        assert response.status_code == 422, response.text
        assert any(error["loc"][-1] == field for error in response.json()["detail"])
        assert (await client.get("/api/v1/me", headers=founder.headers)).json()["studios"] == []

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("id", str(uuid.uuid4())),
            ("policy", API_EXAMPLE),
            ("role", "owner"),
            ("owner_id", str(uuid.uuid4())),
            ("created_at", "2020-01-01T00:00:00Z"),
        ],
    )
    async def test_fields_the_server_owns_are_refused_on_create(
        self, client: httpx.AsyncClient, field: str, value: object
    ) -> None:
        founder = await account(client)
        body = {**new_studio_body(), field: value}
        response = await client.post(ORGS, headers=founder.headers, json=body)
        assert response.status_code == 422
        assert (await client.get(f"{ORGS}/{body['slug']}")).status_code == 404

    async def test_opening_a_studio_needs_a_token(self, client: httpx.AsyncClient) -> None:
        body = new_studio_body()
        response = await client.post(ORGS, json=body)
        assert response.status_code == 401
        assert (await client.get(f"{ORGS}/{body['slug']}")).status_code == 404


class TestReadStudio:
    async def test_anyone_reads_the_profile_and_policy_without_a_token(
        self, client: httpx.AsyncClient
    ) -> None:
        founder = await account(client)
        created = await studio(client, founder, name="Open Gym")
        response = await client.get(f"{ORGS}/{created['slug']}")
        assert response.status_code == 200
        assert response.json() == created
        assert response.json()["policy"] == API_EXAMPLE

    async def test_an_unknown_slug_answers_404(self, client: httpx.AsyncClient) -> None:
        response = await client.get(f"{ORGS}/no-such-studio")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "organization_not_found"


@pytest.fixture
async def staffed(client: httpx.AsyncClient) -> Studio:
    return await staffed_studio(client)


class TestUpdateStudio:
    async def test_an_admin_changes_the_profile(
        self, client: httpx.AsyncClient, staffed: Studio
    ) -> None:
        profile = {
            "name": "Renamed Studio",
            "timezone": "Asia/Tokyo",
            "currency": "JPY",
            "contact_email": "desk@example.com",
            "phone": "+49 30 1234567",
            "address": "Hauptstr. 1, Berlin",
            "website": "https://studio.example.com",
        }
        response = await client.patch(
            f"{ORGS}/{staffed.slug}", headers=staffed.accounts["admin"].headers, json=profile
        )
        assert response.status_code == 200, response.text
        stored = await read_studio(client, staffed.slug)
        assert {k: stored[k] for k in profile} == profile
        assert stored == response.json()
        assert stored["policy"] == API_EXAMPLE

    async def test_a_partial_policy_changes_only_the_given_fields(
        self, client: httpx.AsyncClient, staffed: Studio
    ) -> None:
        headers = staffed.accounts["admin"].headers
        before = await read_studio(client, staffed.slug)
        change = {"hold_seconds": 90, "waitlist_mode": "auto", "waitlist_max": 12}
        response = await client.patch(
            f"{ORGS}/{staffed.slug}", headers=headers, json={"policy": change}
        )
        assert response.status_code == 200, response.text
        after = await read_studio(client, staffed.slug)
        assert after["policy"] == {**API_EXAMPLE, **change}
        assert {k: v for k, v in after.items() if k != "policy"} == {
            k: v for k, v in before.items() if k != "policy"
        }

    async def test_pricing_tiers_are_stored_and_read_back_as_wall_clock_times(
        self, client: httpx.AsyncClient, staffed: Studio
    ) -> None:
        peak = {
            "name": "peak",
            "weekdays": ["mon", "fri"],
            "starts": "17:00",
            "ends": "00:00",
            "credit_percent": 150,
        }
        response = await client.patch(
            f"{ORGS}/{staffed.slug}",
            headers=staffed.accounts["admin"].headers,
            json={"policy": {"pricing_tiers": [peak]}},
        )
        assert response.status_code == 200, response.text
        stored = (await read_studio(client, staffed.slug))["policy"]["pricing_tiers"]
        assert stored == [{**peak, "starts": "17:00:00", "ends": "00:00:00"}]

    async def test_an_explicit_null_clears_waitlist_max_and_strikes(
        self, client: httpx.AsyncClient, staffed: Studio
    ) -> None:
        url, headers = f"{ORGS}/{staffed.slug}", staffed.accounts["owner"].headers
        rule = {"limit": 3, "window_days": 30, "ban_days": 7}
        set_ = await client.patch(
            url, headers=headers, json={"policy": {"waitlist_max": 8, "strikes": rule}}
        )
        assert set_.json()["policy"]["strikes"] == rule
        kept = await client.patch(url, headers=headers, json={"policy": {"hold_seconds": 60}})
        assert kept.json()["policy"]["waitlist_max"] == 8
        cleared = await client.patch(
            url, headers=headers, json={"policy": {"waitlist_max": None, "strikes": None}}
        )
        assert cleared.status_code == 200
        assert (await read_studio(client, staffed.slug))["policy"] == {
            **API_EXAMPLE,
            "hold_seconds": 60,
        }

    @pytest.mark.parametrize("case", sorted(INVALID))
    async def test_an_invalid_policy_answers_422_and_changes_nothing(
        self, client: httpx.AsyncClient, staffed: Studio, case: str
    ) -> None:
        url, headers = f"{ORGS}/{staffed.slug}", staffed.accounts["admin"].headers
        before = await read_studio(client, staffed.slug)
        body = {"name": "Should Not Stick", "policy": INVALID[case]}
        response = await client.patch(url, headers=headers, json=body)
        assert response.status_code == 422, response.text
        answer = response.json()
        assert "detail" in answer or answer["error"]["code"] == "invalid_policy"
        assert await read_studio(client, staffed.slug) == before

    @pytest.mark.parametrize("field", ["hold_seconds", "waitlist_mode", "cancellation_tiers"])
    async def test_an_explicit_null_for_a_required_policy_field_answers_invalid_policy(
        self, client: httpx.AsyncClient, staffed: Studio, field: str
    ) -> None:
        before = await read_studio(client, staffed.slug)
        response = await client.patch(
            f"{ORGS}/{staffed.slug}",
            headers=staffed.accounts["owner"].headers,
            json={"policy": {field: None}},
        )
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "invalid_policy"
        assert await read_studio(client, staffed.slug) == before

    @pytest.mark.parametrize("field", ["name", "timezone", "currency", "policy"])
    async def test_null_for_a_required_profile_field_answers_422(
        self, client: httpx.AsyncClient, staffed: Studio, field: str
    ) -> None:
        before = await read_studio(client, staffed.slug)
        response = await client.patch(
            f"{ORGS}/{staffed.slug}",
            headers=staffed.accounts["owner"].headers,
            json={field: None},
        )
        assert response.status_code == 422
        assert await read_studio(client, staffed.slug) == before

    async def test_null_clears_an_optional_contact_field(
        self, client: httpx.AsyncClient, staffed: Studio
    ) -> None:
        url, headers = f"{ORGS}/{staffed.slug}", staffed.accounts["owner"].headers
        contact = {"contact_email": "a@example.com", "phone": "+1 555 0100"}
        assert (await client.patch(url, headers=headers, json=contact)).status_code == 200
        cleared = await client.patch(url, headers=headers, json={"contact_email": None})
        assert cleared.status_code == 200
        stored = await read_studio(client, staffed.slug)
        assert (stored["contact_email"], stored["phone"]) == (None, "+1 555 0100")

    @pytest.mark.parametrize("field", ["id", "slug", "created_at", "owner"])
    async def test_fields_outside_the_profile_are_refused(
        self, client: httpx.AsyncClient, staffed: Studio, field: str
    ) -> None:
        before = await read_studio(client, staffed.slug)
        response = await client.patch(
            f"{ORGS}/{staffed.slug}",
            headers=staffed.accounts["owner"].headers,
            json={field: "new-value-1", "name": "Nope"},
        )
        assert response.status_code == 422
        assert await read_studio(client, staffed.slug) == before

    @pytest.mark.parametrize("role", ["trainer", "receptionist", "member", "outsider"])
    async def test_below_admin_the_studio_cannot_be_changed(
        self, client: httpx.AsyncClient, staffed: Studio, role: str
    ) -> None:
        before = await read_studio(client, staffed.slug)
        response = await client.patch(
            f"{ORGS}/{staffed.slug}",
            headers=staffed.accounts[role].headers,
            json={"name": "Taken Over", "policy": {"hold_seconds": 1}},
        )
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_denied"
        assert await read_studio(client, staffed.slug) == before

    async def test_a_change_is_audited_with_the_fields_it_touched(
        self, client: httpx.AsyncClient, staffed: Studio
    ) -> None:
        admin = staffed.accounts["admin"]
        await client.patch(
            f"{ORGS}/{staffed.slug}",
            headers={**admin.headers, "X-Request-ID": "studio-edit-1"},
            json={"name": "Edited", "policy": {"hold_seconds": 30}},
        )
        log = await client.get(
            f"{ORGS}/{staffed.slug}/audit",
            headers=admin.headers,
            params={"action": "studio.updated"},
        )
        [entry] = log.json()["items"]
        assert entry["actor_user_id"] == str(admin.user_id)
        assert entry["data"] == {"fields": ["name", "policy"]}
        assert entry["request_id"] == "studio-edit-1"
