"""The plan catalog: what a studio sells, in its currency, archived but never deleted."""

from __future__ import annotations

import httpx
import pytest

from tests.factories import Account, account, studio


@pytest.fixture
async def owner_and_slug(client: httpx.AsyncClient) -> tuple[Account, str]:
    owner = await account(client)
    created = await studio(client, owner)
    return owner, str(created["slug"])


MONTHLY = {
    "kind": "unlimited",
    "name": "Monthly unlimited",
    "price_minor": 8900,
    "billing_period": "month",
    "weekly_class_cap": 3,
}
PACK = {
    "kind": "class_pack",
    "name": "10 classes",
    "price_minor": 12000,
    "credits": 10,
    "validity_days": 90,
    "validity_starts": "first_use",
    "intro_offer": True,
}
DROP_IN = {
    "kind": "drop_in",
    "name": "Drop-in",
    "price_minor": 1500,
    "non_member_price_minor": 2000,
}


class TestCreate:
    @pytest.mark.parametrize("body", [MONTHLY, PACK, DROP_IN])
    async def test_each_kind_is_sold_in_the_studios_currency(
        self,
        client: httpx.AsyncClient,
        owner_and_slug: tuple[Account, str],
        body: dict[str, object],
    ) -> None:
        owner, slug = owner_and_slug
        response = await client.post(f"/api/v1/orgs/{slug}/plans", headers=owner.headers, json=body)
        assert response.status_code == 201, response.text
        plan = response.json()
        assert plan["currency"] == "EUR"
        assert plan["kind"] == body["kind"]
        assert plan["price_minor"] == body["price_minor"]

    async def test_a_pack_counts_whole_credits(
        self, client: httpx.AsyncClient, owner_and_slug: tuple[Account, str]
    ) -> None:
        owner, slug = owner_and_slug
        plan = (
            await client.post(f"/api/v1/orgs/{slug}/plans", headers=owner.headers, json=PACK)
        ).json()
        assert (plan["credits"], plan["validity_days"], plan["validity_starts"]) == (
            "10",
            90,
            "first_use",
        )
        assert plan["intro_offer"] is True

    @pytest.mark.parametrize(
        "body",
        [
            {**MONTHLY, "validity_days": 30},  # both a billing period and fixed days
            {k: v for k, v in MONTHLY.items() if k != "billing_period"},  # neither
            {**PACK, "credits": 0},
            {**PACK, "billing_period": "month"},  # not a field of packs
            {**DROP_IN, "price_minor": -1},
            {**DROP_IN, "currency": "USD"},  # server-owned
            {**DROP_IN, "kind": "gift_card"},
            {**PACK, "class_type_ids": []},
        ],
    )
    async def test_a_plan_that_does_not_fit_its_kind_is_refused(
        self,
        client: httpx.AsyncClient,
        owner_and_slug: tuple[Account, str],
        body: dict[str, object],
    ) -> None:
        owner, slug = owner_and_slug
        response = await client.post(f"/api/v1/orgs/{slug}/plans", headers=owner.headers, json=body)
        assert response.status_code == 422
        listed = await client.get(f"/api/v1/orgs/{slug}/plans")
        assert listed.json()["items"] == []


class TestArchive:
    async def test_an_archived_plan_leaves_the_catalog_and_stays_readable_in_the_answer(
        self, client: httpx.AsyncClient, owner_and_slug: tuple[Account, str]
    ) -> None:
        owner, slug = owner_and_slug
        created = await client.post(f"/api/v1/orgs/{slug}/plans", headers=owner.headers, json=PACK)
        plan_id = created.json()["id"]
        archived = await client.post(
            f"/api/v1/orgs/{slug}/plans/{plan_id}/archive", headers=owner.headers
        )
        assert archived.status_code == 200
        assert archived.json()["archived_at"] is not None
        again = await client.post(
            f"/api/v1/orgs/{slug}/plans/{plan_id}/archive", headers=owner.headers
        )
        assert again.json()["archived_at"] == archived.json()["archived_at"]
        assert (await client.get(f"/api/v1/orgs/{slug}/plans")).json()["items"] == []

    async def test_the_catalog_is_public_and_paged(
        self, client: httpx.AsyncClient, owner_and_slug: tuple[Account, str]
    ) -> None:
        owner, slug = owner_and_slug
        for body in (MONTHLY, PACK, DROP_IN):
            await client.post(f"/api/v1/orgs/{slug}/plans", headers=owner.headers, json=body)
        first = (await client.get(f"/api/v1/orgs/{slug}/plans", params={"limit": 2})).json()
        rest = (
            await client.get(
                f"/api/v1/orgs/{slug}/plans", params={"limit": 2, "cursor": first["next_cursor"]}
            )
        ).json()
        names = [p["name"] for p in first["items"] + rest["items"]]
        assert names == ["Monthly unlimited", "10 classes", "Drop-in"]
        assert rest["next_cursor"] is None
