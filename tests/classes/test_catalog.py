"""Class types and locations: what a studio runs and where."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.factories import Studio, staffed_studio

YOGA = {"name": "Vinyasa yoga", "duration_minutes": 60, "default_capacity": 20}


@pytest.fixture
async def staffed(client: httpx.AsyncClient) -> Studio:
    return await staffed_studio(client)


async def create(
    client: httpx.AsyncClient, studio: Studio, body: dict[str, Any], *, role: str = "admin"
) -> httpx.Response:
    return await client.post(
        f"/api/v1/orgs/{studio.slug}/class-types",
        headers=studio.accounts[role].headers,
        json=body,
    )


class TestClassTypes:
    async def test_an_admin_adds_one_and_anyone_reads_it(
        self, client: httpx.AsyncClient, staffed: Studio
    ) -> None:
        created = await create(client, staffed, {**YOGA, "colour": "#12ab9F"})
        assert created.status_code == 201, created.text
        listed = await client.get(f"/api/v1/orgs/{staffed.slug}/class-types")
        [found] = listed.json()["items"]
        assert found == created.json()
        assert (found["credit_cost"], found["credit_cost_units"]) == ("1", 100)
        assert found["appointment"] is False

    @pytest.mark.parametrize(
        ("cost", "units", "text"), [("1.5", 150, "1.5"), (0.5, 50, "0.5"), (0, 0, "0")]
    )
    async def test_a_credit_cost_is_exact_to_the_hundredth(
        self, client: httpx.AsyncClient, staffed: Studio, cost: object, units: int, text: str
    ) -> None:
        created = await create(client, staffed, {**YOGA, "credit_cost": cost})
        assert (created.json()["credit_cost_units"], created.json()["credit_cost"]) == (
            units,
            text,
        )

    @pytest.mark.parametrize(
        "change",
        [
            {"credit_cost": "1.255"},
            {"credit_cost": -1},
            {"duration_minutes": 4},
            {"default_capacity": 0},
            {"colour": "red"},
            {"name": "   "},
            {"trainer": "anyone"},
        ],
    )
    async def test_bad_input_is_refused(
        self, client: httpx.AsyncClient, staffed: Studio, change: dict[str, Any]
    ) -> None:
        response = await create(client, staffed, {**YOGA, **change})
        assert response.status_code == 422

    async def test_an_appointment_is_for_one_person(
        self, client: httpx.AsyncClient, staffed: Studio
    ) -> None:
        body = {"name": "Personal training", "duration_minutes": 45, "default_capacity": 8}
        created = await create(client, staffed, {**body, "appointment": True})
        assert created.json()["default_capacity"] == 1

    async def test_a_change_keeps_what_it_does_not_name(
        self, client: httpx.AsyncClient, staffed: Studio
    ) -> None:
        created = (await create(client, staffed, YOGA)).json()
        url = f"/api/v1/orgs/{staffed.slug}/class-types/{created['id']}"
        headers = staffed.accounts["owner"].headers
        changed = await client.patch(
            url, headers=headers, json={"credit_cost": "2", "colour": None}
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["credit_cost_units"] == 200
        assert changed.json()["name"] == YOGA["name"]
        refused = await client.patch(url, headers=headers, json={"duration_minutes": None})
        assert refused.status_code == 422

    async def test_archiving_takes_it_off_the_list_and_is_idempotent(
        self, client: httpx.AsyncClient, staffed: Studio
    ) -> None:
        created = (await create(client, staffed, YOGA)).json()
        url = f"/api/v1/orgs/{staffed.slug}/class-types/{created['id']}/archive"
        headers = staffed.accounts["admin"].headers
        first = await client.post(url, headers=headers)
        again = await client.post(url, headers=headers)
        assert first.json()["archived_at"] == again.json()["archived_at"] is not None
        listed = await client.get(f"/api/v1/orgs/{staffed.slug}/class-types")
        assert listed.json()["items"] == []

    @pytest.mark.parametrize("role", ["trainer", "receptionist", "member"])
    async def test_only_admins_change_the_catalog(
        self, client: httpx.AsyncClient, staffed: Studio, role: str
    ) -> None:
        response = await create(client, staffed, YOGA, role=role)
        assert response.status_code == 403


class TestLocations:
    async def test_an_admin_adds_a_room_anyone_lists_it_and_archiving_hides_it(
        self, client: httpx.AsyncClient, staffed: Studio
    ) -> None:
        base = f"/api/v1/orgs/{staffed.slug}/locations"
        headers = staffed.accounts["admin"].headers
        room = {"name": "Studio 1", "address": "Hauptstr. 1", "capacity": 24}
        created = await client.post(base, headers=headers, json=room)
        assert created.status_code == 201, created.text
        assert (await client.get(base)).json()["items"] == [created.json()]
        await client.post(f"{base}/{created.json()['id']}/archive", headers=headers)
        assert (await client.get(base)).json()["items"] == []


class TestPlansNameRealClassTypes:
    async def test_a_plan_for_some_class_types_needs_the_studios_own(
        self, client: httpx.AsyncClient, staffed: Studio
    ) -> None:
        other = await staffed_studio(client)
        mine = (await create(client, staffed, YOGA)).json()["id"]
        theirs = (await create(client, other, YOGA)).json()["id"]
        plan = {"kind": "drop_in", "name": "Yoga drop-in", "price_minor": 1500}
        url = f"/api/v1/orgs/{staffed.slug}/plans"
        headers = staffed.accounts["owner"].headers
        refused = await client.post(url, headers=headers, json={**plan, "class_type_ids": [theirs]})
        allowed = await client.post(url, headers=headers, json={**plan, "class_type_ids": [mine]})
        assert refused.status_code == 422
        assert refused.json()["error"]["code"] == "unknown_class_types"
        assert refused.json()["error"]["data"] == {"class_type_ids": [theirs]}
        assert allowed.status_code == 201, allowed.text
