"""Two studios, A and B: nothing of one can be read or changed through the other.

A's owner addresses B's objects under A's slug (404, and B is unchanged); B's owner
calls A's staff routes (403, and none of A's data in the answer). Both tables are checked
against the app's routes, so a new route under /orgs/{org} needs a row here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from tests.factories import Studio, account, studio_with_sale

ORG = "/api/v1/orgs/{org}"
ID_PARAMETER = re.compile(r"\{(\w+_id)\}")

# Routes under a studio that take an object id, with a valid body; each is tried with
# every object of B that its id can name.
ID_ROUTES: dict[tuple[str, str], dict[str, object] | None] = {
    ("PATCH", f"{ORG}/staff/{{staff_id}}"): {"role": "receptionist"},
    ("DELETE", f"{ORG}/staff/{{staff_id}}"): None,
    ("GET", f"{ORG}/members/{{member_id}}"): None,
    ("PATCH", f"{ORG}/members/{{member_id}}"): {"notes": "from A", "status": "inactive"},
    ("POST", f"{ORG}/members/{{member_id}}/credit-adjustments"): {"units": 100, "reason": "from A"},
    ("POST", f"{ORG}/plans/{{plan_id}}/archive"): None,
    ("GET", f"{ORG}/members/{{member_id}}/memberships"): None,
    ("POST", f"{ORG}/memberships/{{membership_id}}/freeze"): {"days": 3},
    ("POST", f"{ORG}/memberships/{{membership_id}}/unfreeze"): None,
    ("POST", f"{ORG}/memberships/{{membership_id}}/cancel"): {"at_period_end": False},
    ("GET", f"{ORG}/orders/{{order_id}}"): None,
    ("POST", f"{ORG}/orders/{{order_id}}/refund"): {"amount_minor": 100, "reason": "from A"},
    ("POST", f"{ORG}/orders/{{order_id}}/void"): {"reason": "from A"},
    ("PATCH", f"{ORG}/class-types/{{class_type_id}}"): {"name": "Renamed by A"},
    ("POST", f"{ORG}/class-types/{{class_type_id}}/archive"): None,
    ("POST", f"{ORG}/locations/{{location_id}}/archive"): None,
}


@dataclass(frozen=True)
class Outside:
    """A staff-only route of A called by B's owner: the status and a valid body."""

    status: int
    body: dict[str, object] | None = None


def studio_routes(app: FastAPI) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for route in iter_route_contexts(app.routes):
        if route.path is not None and route.path.startswith(ORG):
            found.update((m, route.path) for m in route.methods or () if m != "HEAD")
    return found


# Every route under /orgs/{org} but the two that are open to anyone with an account.
PUBLIC = {
    ("GET", ORG),
    ("POST", f"{ORG}/join"),
    ("GET", f"{ORG}/plans"),
    ("GET", f"{ORG}/class-types"),
    ("GET", f"{ORG}/locations"),
}
STAFF_ROUTES: dict[tuple[str, str], Outside] = {
    ("PATCH", ORG): Outside(403, {"name": "Hijacked", "policy": {"hold_seconds": 1}}),
    ("GET", f"{ORG}/staff"): Outside(403),
    ("POST", f"{ORG}/staff"): Outside(403, {"email": "<a fresh account>", "role": "receptionist"}),
    ("PATCH", f"{ORG}/staff/{{staff_id}}"): Outside(403, {"role": "receptionist"}),
    ("DELETE", f"{ORG}/staff/{{staff_id}}"): Outside(403),
    ("GET", f"{ORG}/members"): Outside(403),
    # a member record answers 404 to anyone who is neither staff nor that member
    ("GET", f"{ORG}/members/{{member_id}}"): Outside(404),
    ("PATCH", f"{ORG}/members/{{member_id}}"): Outside(403, {"notes": "from B"}),
    ("GET", f"{ORG}/audit"): Outside(403),
    ("GET", f"{ORG}/me/credits"): Outside(404),
    ("POST", f"{ORG}/plans"): Outside(403, {"kind": "drop_in", "name": "B", "price_minor": 1}),
    ("POST", f"{ORG}/plans/{{plan_id}}/archive"): Outside(403),
    ("POST", f"{ORG}/members/{{member_id}}/credit-adjustments"): Outside(
        403, {"units": 100, "reason": "from B"}
    ),
    # memberships answer 404 to anyone who is neither staff nor their member
    ("GET", f"{ORG}/me/memberships"): Outside(404),
    ("GET", f"{ORG}/members/{{member_id}}/memberships"): Outside(404),
    ("POST", f"{ORG}/memberships/{{membership_id}}/freeze"): Outside(404, {"days": 3}),
    ("POST", f"{ORG}/memberships/{{membership_id}}/unfreeze"): Outside(404),
    ("POST", f"{ORG}/memberships/{{membership_id}}/cancel"): Outside(404, {"at_period_end": False}),
    ("POST", f"{ORG}/orders"): Outside(
        403, {"member_id": "<member>", "plan_id": "<plan>", "method": "cash"}
    ),
    ("GET", f"{ORG}/orders"): Outside(403),
    ("GET", f"{ORG}/orders/{{order_id}}"): Outside(403),
    ("POST", f"{ORG}/orders/{{order_id}}/refund"): Outside(
        403, {"amount_minor": 100, "reason": "x"}
    ),
    ("POST", f"{ORG}/orders/{{order_id}}/void"): Outside(403, {"reason": "from B"}),
    ("POST", f"{ORG}/class-types"): Outside(
        403, {"name": "B", "duration_minutes": 30, "default_capacity": 5}
    ),
    ("PATCH", f"{ORG}/class-types/{{class_type_id}}"): Outside(403, {"name": "B"}),
    ("POST", f"{ORG}/class-types/{{class_type_id}}/archive"): Outside(403),
    ("POST", f"{ORG}/locations"): Outside(403, {"name": "B's room"}),
    ("POST", f"{ORG}/locations/{{location_id}}/archive"): Outside(403),
}


# A path parameter, the label for messages, and the Studio field holding its one id.
SINGLE_IDS = {
    "member_id": ("member", "member_id"),
    "plan_id": ("plan", "plan_id"),
    "order_id": ("order", "order_id"),
    "membership_id": ("membership", "membership_id"),
    "class_type_id": ("class type", "class_type_id"),
    "location_id": ("location", "location_id"),
}


def object_ids(studio: Studio, parameter: str) -> dict[str, str]:
    """Every id of `studio` a path parameter can name, by a label for messages."""
    if parameter == "staff_id":
        return {f"{role} staff": staff_id for role, staff_id in studio.staff_ids.items()}
    if parameter not in SINGLE_IDS:
        raise AssertionError(f"no ids known for {{{parameter}}}; extend object_ids")
    label, field = SINGLE_IDS[parameter]
    object_id = getattr(studio, field)
    assert object_id, f"{field} is not set: build the studio with studio_with_sale"
    return {label: str(object_id)}


def fill(template: str, slug: str, studio_with_ids: Studio) -> list[tuple[str, str]]:
    """The template with `slug` and, for its id parameter, each id of `studio_with_ids`."""
    path = template.replace("{org}", slug)
    parameters = ID_PARAMETER.findall(path)
    if not parameters:
        return [("", path)]
    [parameter] = parameters
    return [
        (label, path.replace(f"{{{parameter}}}", object_id))
        for label, object_id in object_ids(studio_with_ids, parameter).items()
    ]


async def snapshot(client: httpx.AsyncClient, studio: Studio) -> dict[str, Any]:
    """Everything of the studio its owner can read."""
    headers = studio.accounts["owner"].headers
    base = f"/api/v1/orgs/{studio.slug}"
    reads = {
        "studio": base,
        "staff": f"{base}/staff?limit=200",
        "members": f"{base}/members?limit=200",
        "member": f"{base}/members/{studio.member_id}",
        "audit": f"{base}/audit?limit=200",
        "plans": f"{base}/plans?limit=200",
        "orders": f"{base}/orders?limit=200",
        "class types": f"{base}/class-types?limit=200",
        "locations": f"{base}/locations?limit=200",
        "memberships": f"{base}/members/{studio.member_id}/memberships",
    }
    result: dict[str, Any] = {}
    for name, url in reads.items():
        response = await client.get(url, headers=headers)
        assert response.status_code == 200, response.text
        result[name] = response.json()
    for role in ("owner", "admin", "trainer", "receptionist", "member"):
        me = await client.get("/api/v1/me", headers=studio.accounts[role].headers)
        result[f"me of {role}"] = me.json()
    return result


@pytest.fixture
async def studios(client: httpx.AsyncClient) -> tuple[Studio, Studio]:
    return await studio_with_sale(client), await studio_with_sale(client)


def test_every_studio_route_with_an_object_id_is_covered(app: FastAPI) -> None:
    with_ids = {key for key in studio_routes(app) if ID_PARAMETER.search(key[1])}
    assert with_ids
    assert set(ID_ROUTES) == with_ids


def test_every_staff_only_studio_route_is_covered(app: FastAPI) -> None:
    assert set(STAFF_ROUTES) == studio_routes(app) - PUBLIC


class TestAnotherStudiosObjectsAnswer404:
    @pytest.mark.parametrize(("method", "template"), list(ID_ROUTES))
    async def test_b_objects_under_a_slug_are_not_found_and_b_is_unchanged(
        self,
        client: httpx.AsyncClient,
        studios: tuple[Studio, Studio],
        method: str,
        template: str,
    ) -> None:
        a, b = studios
        before = await snapshot(client, b)
        headers = a.accounts["owner"].headers
        tried = fill(template, a.slug, b)
        assert tried
        for label, url in tried:
            body = ID_ROUTES[(method, template)]
            response = await client.request(method, url, headers=headers, json=body)
            assert response.status_code == 404, f"{method} {url} with B's {label}"
            assert response.json()["error"]["code"] in {
                "staff_not_found",
                "member_not_found",
                "plan_not_found",
                "order_not_found",
                "membership_not_found",
                "class_type_not_found",
                "location_not_found",
            }
            for person in b.accounts.values():
                assert person.email not in response.text
        assert await snapshot(client, b) == before

    @pytest.mark.parametrize(("method", "template"), list(ID_ROUTES))
    async def test_the_same_request_with_a_own_ids_works(
        self,
        client: httpx.AsyncClient,
        studios: tuple[Studio, Studio],
        method: str,
        template: str,
    ) -> None:
        """The 404s above are about the tenant, not the request: with A's ids they pass."""
        a, _ = studios
        url = next(
            url
            for label, url in fill(template, a.slug, a)
            if label == "trainer staff" or label in {name for name, _ in SINGLE_IDS.values()}
        )
        if template.endswith("/unfreeze"):
            freeze = url.replace("/unfreeze", "/freeze")
            await client.post(freeze, headers=a.accounts["owner"].headers, json={"days": 3})
        body = ID_ROUTES[(method, template)]
        response = await client.request(method, url, headers=a.accounts["owner"].headers, json=body)
        assert response.is_success, f"{method} {url}: {response.text}"


class TestAnotherStudiosOwnerIsAnOutsider:
    @pytest.mark.parametrize(("method", "template"), list(STAFF_ROUTES))
    async def test_b_owner_is_refused_on_a_staff_routes_and_sees_none_of_a(
        self,
        client: httpx.AsyncClient,
        studios: tuple[Studio, Studio],
        method: str,
        template: str,
    ) -> None:
        a, b = studios
        before = await snapshot(client, a)
        b_owner = b.accounts["owner"]
        rule = STAFF_ROUTES[(method, template)]
        body = rule.body
        if body is not None and body.get("email") == "<a fresh account>":
            body = {**body, "email": (await account(client)).email}
        if body is not None and body.get("member_id") == "<member>":
            body = {**body, "member_id": a.member_id, "plan_id": a.plan_id}
        a_studio_id = before["studio"]["id"]
        secrets = {person.email for person in a.accounts.values()} | {
            str(person.user_id) for person in a.accounts.values()
        }
        secrets |= set(a.staff_ids.values()) | {a.member_id, a_studio_id, a.plan_id}
        secrets |= {str(a.order_id), str(a.membership_id), str(a.class_type_id)}
        secrets |= {str(a.location_id)}
        for label, url in fill(template, a.slug, a):
            response = await client.request(method, url, headers=b_owner.headers, json=body)
            assert response.status_code == rule.status, f"{method} {url} ({label})"
            leaked = {secret for secret in secrets if secret in response.text}
            assert not leaked, f"{method} {url} shows A's data: {leaked}"
        assert await snapshot(client, a) == before

    async def test_b_owner_reads_only_a_public_profile(
        self, client: httpx.AsyncClient, studios: tuple[Studio, Studio]
    ) -> None:
        a, b = studios
        response = await client.get(f"/api/v1/orgs/{a.slug}", headers=b.accounts["owner"].headers)
        assert response.status_code == 200
        for person in a.accounts.values():
            assert person.email not in response.text
            assert str(person.user_id) not in response.text
