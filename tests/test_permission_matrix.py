"""Every /api/v1 route with every kind of caller: the status each one gets.

Each (route, role) pair runs on a fresh studio with a valid request, so the status shows
the permission rule and nothing else. A route without a row fails
`test_the_matrix_covers_every_api_route`.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from fitflow.auth import repository as auth_repository
from fitflow.auth import tokens
from fitflow.kit import time
from fitflow.kit.db import Database
from tests.factories import (
    MONTHLY,
    PASSWORD,
    ROOM,
    YOGA,
    Account,
    Studio,
    create,
    create_user,
    sell,
    staffed_studio,
    superuser_account,
    unique_email,
)

ROLES = (
    "anonymous",
    "outsider",
    "member",
    "receptionist",
    "trainer",
    "admin",
    "owner",
    "superuser",
)
Expected = dict[str, int]


def everyone(status: int) -> Expected:
    return dict.fromkeys(ROLES, status)


def authenticated(status: int, **exceptions: int) -> Expected:
    return {**everyone(status), "anonymous": 401, **exceptions}


def studio_rule(allowed: int, minimum: str, denied: int = 403) -> Expected:
    """`allowed` for `minimum` and the roles above it; `denied` for other callers."""
    ladder = ["receptionist", "trainer", "admin", "owner"]
    granted = set(ladder[ladder.index(minimum) :])
    expected = {role: (allowed if role in granted else denied) for role in ROLES}
    return {**expected, "anonymous": 401}


@dataclass
class Context:
    client: httpx.AsyncClient
    database: Database
    app: FastAPI
    studio: Studio
    caller: Account | None

    @property
    def slug(self) -> str:
        return self.studio.slug

    async def fresh_user(self) -> tuple[uuid.UUID, str]:
        email = unique_email("fresh")
        user_id = await create_user(self.database, self.app.state.auth, email=email)
        return user_id, email

    async def reset_token(self) -> str:
        user_id, _ = await self.fresh_user()
        raw, token_hash = tokens.new_opaque_token()
        async with self.database.sessions() as session:
            await auth_repository.add_reset_token(
                session,
                user_id=user_id,
                token_hash=token_hash,
                expires_at=time.now() + timedelta(hours=1),
            )
            await session.commit()
        return raw


Body = Mapping[str, object] | None
Request = tuple[str, Body]  # the concrete URL and the JSON body
Builder = Callable[[Context], Awaitable[Request]]


@dataclass(frozen=True)
class Row:
    build: Builder
    expected: Expected


async def _openapi(c: Context) -> Request:
    return "/api/v1/openapi.json", None


async def _register(c: Context) -> Request:
    body = {"email": unique_email("new"), "password": PASSWORD, "full_name": "New Person"}
    return "/api/v1/auth/register", body


async def _login(c: Context) -> Request:
    _, email = await c.fresh_user()
    return "/api/v1/auth/login", {"email": email, "password": PASSWORD}


async def _refresh(c: Context) -> Request:
    token = c.studio.accounts["outsider"].refresh_token
    return "/api/v1/auth/refresh", {"refresh_token": token}


async def _logout(c: Context) -> Request:
    holder = c.caller or c.studio.accounts["outsider"]
    return "/api/v1/auth/logout", {"refresh_token": holder.refresh_token}


async def _password_reset(c: Context) -> Request:
    return "/api/v1/auth/password-reset", {"email": c.studio.accounts["member"].email}


async def _password_reset_confirm(c: Context) -> Request:
    body = {"token": await c.reset_token(), "new_password": "another-long-password-1"}
    return "/api/v1/auth/password-reset/confirm", body


async def _me(c: Context) -> Request:
    return "/api/v1/me", None


async def _deactivate(c: Context) -> Request:
    user_id, _ = await c.fresh_user()
    return f"/api/v1/admin/users/{user_id}/deactivate", None


async def _reactivate(c: Context) -> Request:
    user_id, _ = await c.fresh_user()
    return f"/api/v1/admin/users/{user_id}/reactivate", None


async def _create_studio(c: Context) -> Request:
    body = {
        "name": "Another Studio",
        "slug": f"another-{uuid.uuid4().hex[:8]}",
        "timezone": "Europe/Paris",
        "currency": "EUR",
    }
    return "/api/v1/orgs", body


async def _studio(c: Context) -> Request:
    return f"/api/v1/orgs/{c.slug}", None


async def _update_studio(c: Context) -> Request:
    return f"/api/v1/orgs/{c.slug}", {"name": "Renamed", "policy": {"hold_seconds": 300}}


async def _join(c: Context) -> Request:
    return f"/api/v1/orgs/{c.slug}/join", None


async def _staff(c: Context) -> Request:
    return f"/api/v1/orgs/{c.slug}/staff", None


async def _add_staff(c: Context) -> Request:
    _, email = await c.fresh_user()
    return f"/api/v1/orgs/{c.slug}/staff", {"email": email, "role": "trainer"}


async def _change_staff(c: Context) -> Request:
    staff_id = c.studio.staff_ids["trainer"]
    return f"/api/v1/orgs/{c.slug}/staff/{staff_id}", {"role": "receptionist"}


async def _remove_staff(c: Context) -> Request:
    return f"/api/v1/orgs/{c.slug}/staff/{c.studio.staff_ids['receptionist']}", None


async def _members(c: Context) -> Request:
    return f"/api/v1/orgs/{c.slug}/members", None


async def _member(c: Context) -> Request:
    return f"/api/v1/orgs/{c.slug}/members/{c.studio.member_id}", None


async def _update_member(c: Context) -> Request:
    return f"/api/v1/orgs/{c.slug}/members/{c.studio.member_id}", {"notes": "checked"}


async def _plans(c: Context) -> Request:
    return f"/api/v1/orgs/{c.slug}/plans", None


async def _create_plan(c: Context) -> Request:
    body = {"kind": "drop_in", "name": "Drop-in", "price_minor": 1500}
    return f"/api/v1/orgs/{c.slug}/plans", body


async def _archive_plan(c: Context) -> Request:
    return f"/api/v1/orgs/{c.slug}/plans/{c.studio.plan_id}/archive", None


async def _my_credits(c: Context) -> Request:
    return f"/api/v1/orgs/{c.slug}/me/credits", None


async def _adjust_credits(c: Context) -> Request:
    url = f"/api/v1/orgs/{c.slug}/members/{c.studio.member_id}/credit-adjustments"
    return url, {"units": 100, "reason": "welcome gift"}


async def _sale(c: Context) -> dict[str, object]:
    """A monthly membership sold to the studio's member by its owner."""
    owner = c.studio.accounts["owner"]
    plan = await c.client.post(f"/api/v1/orgs/{c.slug}/plans", headers=owner.headers, json=MONTHLY)
    return await sell(
        c.client, c.slug, owner, member_id=c.studio.member_id, plan_id=plan.json()["id"]
    )


async def _my_memberships(c: Context) -> Request:
    await _sale(c)
    return f"/api/v1/orgs/{c.slug}/me/memberships", None


async def _member_memberships(c: Context) -> Request:
    await _sale(c)
    return f"/api/v1/orgs/{c.slug}/members/{c.studio.member_id}/memberships", None


async def _membership_url(c: Context, action: str) -> str:
    membership_id = (await _sale(c))["granted_membership_id"]
    return f"/api/v1/orgs/{c.slug}/memberships/{membership_id}/{action}"


async def _freeze(c: Context) -> Request:
    return await _membership_url(c, "freeze"), {"days": 3}


async def _unfreeze(c: Context) -> Request:
    url = await _membership_url(c, "unfreeze")
    freeze = url.replace("/unfreeze", "/freeze")
    frozen = await c.client.post(
        freeze, headers=c.studio.accounts["owner"].headers, json={"days": 3}
    )
    assert frozen.status_code == 200, frozen.text
    return url, None


async def _cancel(c: Context) -> Request:
    return await _membership_url(c, "cancel"), {"at_period_end": True}


async def _sell_at_desk(c: Context) -> Request:
    body = {"member_id": c.studio.member_id, "plan_id": c.studio.plan_id, "method": "cash"}
    return f"/api/v1/orgs/{c.slug}/orders", body


async def _orders(c: Context) -> Request:
    await _sale(c)
    return f"/api/v1/orgs/{c.slug}/orders", None


async def _order_url(c: Context, action: str = "") -> str:
    order_id = (await _sale(c))["id"]
    return f"/api/v1/orgs/{c.slug}/orders/{order_id}{action}"


async def _order(c: Context) -> Request:
    return await _order_url(c), None


async def _refund(c: Context) -> Request:
    return await _order_url(c, "/refund"), {"amount_minor": 1000, "reason": "moving away"}


async def _void(c: Context) -> Request:
    return await _order_url(c, "/void"), {"reason": "sold by mistake"}


async def _class_types(c: Context) -> Request:
    return f"/api/v1/orgs/{c.slug}/class-types", None


async def _create_class_type(c: Context) -> Request:
    return f"/api/v1/orgs/{c.slug}/class-types", YOGA


async def _class_type_url(c: Context, action: str = "") -> str:
    url = f"/api/v1/orgs/{c.slug}/class-types"
    class_type_id = await create(c.client, url, c.studio.accounts["owner"], YOGA)
    return f"{url}/{class_type_id}{action}"


async def _update_class_type(c: Context) -> Request:
    return await _class_type_url(c), {"credit_cost": "1.5"}


async def _archive_class_type(c: Context) -> Request:
    return await _class_type_url(c, "/archive"), None


async def _locations(c: Context) -> Request:
    return f"/api/v1/orgs/{c.slug}/locations", None


async def _create_location(c: Context) -> Request:
    return f"/api/v1/orgs/{c.slug}/locations", ROOM


async def _archive_location(c: Context) -> Request:
    url = f"/api/v1/orgs/{c.slug}/locations"
    location_id = await create(c.client, url, c.studio.accounts["owner"], ROOM)
    return f"{url}/{location_id}/archive", None


async def _audit(c: Context) -> Request:
    return f"/api/v1/orgs/{c.slug}/audit", None


PLATFORM_ADMIN = authenticated(403, superuser=200)

MATRIX: dict[tuple[str, str], Row] = {
    ("GET", "/api/v1/openapi.json"): Row(_openapi, everyone(200)),
    ("POST", "/api/v1/auth/register"): Row(_register, everyone(201)),
    ("POST", "/api/v1/auth/login"): Row(_login, everyone(200)),
    ("POST", "/api/v1/auth/refresh"): Row(_refresh, everyone(200)),
    ("POST", "/api/v1/auth/logout"): Row(_logout, authenticated(204)),
    ("POST", "/api/v1/auth/password-reset"): Row(_password_reset, everyone(202)),
    ("POST", "/api/v1/auth/password-reset/confirm"): Row(_password_reset_confirm, everyone(204)),
    ("GET", "/api/v1/me"): Row(_me, authenticated(200)),
    ("POST", "/api/v1/admin/users/{user_id}/deactivate"): Row(_deactivate, PLATFORM_ADMIN),
    ("POST", "/api/v1/admin/users/{user_id}/reactivate"): Row(_reactivate, PLATFORM_ADMIN),
    ("POST", "/api/v1/orgs"): Row(_create_studio, authenticated(201)),
    ("GET", "/api/v1/orgs/{org}"): Row(_studio, everyone(200)),
    ("PATCH", "/api/v1/orgs/{org}"): Row(_update_studio, studio_rule(200, "admin")),
    # the member already is one: joining again is a conflict, not a permission matter
    ("POST", "/api/v1/orgs/{org}/join"): Row(_join, authenticated(201, member=409)),
    ("GET", "/api/v1/orgs/{org}/staff"): Row(_staff, studio_rule(200, "admin")),
    ("POST", "/api/v1/orgs/{org}/staff"): Row(_add_staff, studio_rule(201, "admin")),
    ("PATCH", "/api/v1/orgs/{org}/staff/{staff_id}"): Row(_change_staff, studio_rule(200, "admin")),
    ("DELETE", "/api/v1/orgs/{org}/staff/{staff_id}"): Row(
        _remove_staff, studio_rule(204, "admin")
    ),
    ("GET", "/api/v1/orgs/{org}/members"): Row(_members, studio_rule(200, "receptionist")),
    # the member reads their own record; to anyone else who is not staff it does not exist
    ("GET", "/api/v1/orgs/{org}/members/{member_id}"): Row(
        _member, studio_rule(200, "receptionist", denied=404) | {"member": 200}
    ),
    ("PATCH", "/api/v1/orgs/{org}/members/{member_id}"): Row(
        _update_member, studio_rule(200, "receptionist")
    ),
    ("GET", "/api/v1/orgs/{org}/audit"): Row(_audit, studio_rule(200, "admin")),
    ("GET", "/api/v1/orgs/{org}/plans"): Row(_plans, everyone(200)),
    ("POST", "/api/v1/orgs/{org}/plans"): Row(_create_plan, studio_rule(201, "admin")),
    ("POST", "/api/v1/orgs/{org}/plans/{plan_id}/archive"): Row(
        _archive_plan, studio_rule(200, "admin")
    ),
    # only members hold credits: to anyone else their own statement does not exist
    ("GET", "/api/v1/orgs/{org}/me/credits"): Row(_my_credits, authenticated(404, member=200)),
    ("POST", "/api/v1/orgs/{org}/members/{member_id}/credit-adjustments"): Row(
        _adjust_credits, studio_rule(201, "receptionist")
    ),
    # only members hold memberships; another's answer 404, as if they did not exist
    ("GET", "/api/v1/orgs/{org}/me/memberships"): Row(
        _my_memberships, authenticated(404, member=200)
    ),
    ("GET", "/api/v1/orgs/{org}/members/{member_id}/memberships"): Row(
        _member_memberships, studio_rule(200, "receptionist", denied=404) | {"member": 200}
    ),
    # the member's own, but the default policy keeps freezing and cancelling at the desk
    ("POST", "/api/v1/orgs/{org}/memberships/{membership_id}/freeze"): Row(
        _freeze, studio_rule(200, "receptionist", denied=404) | {"member": 403}
    ),
    ("POST", "/api/v1/orgs/{org}/memberships/{membership_id}/unfreeze"): Row(
        _unfreeze, studio_rule(200, "receptionist", denied=404) | {"member": 403}
    ),
    ("POST", "/api/v1/orgs/{org}/memberships/{membership_id}/cancel"): Row(
        _cancel, studio_rule(200, "receptionist", denied=404) | {"member": 403}
    ),
    ("POST", "/api/v1/orgs/{org}/orders"): Row(_sell_at_desk, studio_rule(201, "receptionist")),
    ("GET", "/api/v1/orgs/{org}/orders"): Row(_orders, studio_rule(200, "receptionist")),
    ("GET", "/api/v1/orgs/{org}/orders/{order_id}"): Row(_order, studio_rule(200, "receptionist")),
    ("POST", "/api/v1/orgs/{org}/orders/{order_id}/refund"): Row(
        _refund, studio_rule(200, "admin")
    ),
    ("POST", "/api/v1/orgs/{org}/orders/{order_id}/void"): Row(_void, studio_rule(200, "admin")),
    ("GET", "/api/v1/orgs/{org}/class-types"): Row(_class_types, everyone(200)),
    ("POST", "/api/v1/orgs/{org}/class-types"): Row(_create_class_type, studio_rule(201, "admin")),
    ("PATCH", "/api/v1/orgs/{org}/class-types/{class_type_id}"): Row(
        _update_class_type, studio_rule(200, "admin")
    ),
    ("POST", "/api/v1/orgs/{org}/class-types/{class_type_id}/archive"): Row(
        _archive_class_type, studio_rule(200, "admin")
    ),
    ("GET", "/api/v1/orgs/{org}/locations"): Row(_locations, everyone(200)),
    ("POST", "/api/v1/orgs/{org}/locations"): Row(_create_location, studio_rule(201, "admin")),
    ("POST", "/api/v1/orgs/{org}/locations/{location_id}/archive"): Row(
        _archive_location, studio_rule(200, "admin")
    ),
}


def api_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path template) of every route under /api/v1, HEAD aside."""
    found: set[tuple[str, str]] = set()
    for route in iter_route_contexts(app.routes):
        path = route.path
        if path is None or not path.startswith("/api/v1/"):
            continue
        found.update((method, path) for method in route.methods or () if method != "HEAD")
    return found


def test_the_matrix_covers_every_api_route(app: FastAPI) -> None:
    routes = api_routes(app)
    assert len(routes) >= len(MATRIX)
    assert set(MATRIX) == routes, "add a row for each new route; drop rows of removed ones"


def test_every_row_states_a_status_for_every_role() -> None:
    for key, row in MATRIX.items():
        assert set(row.expected) == set(ROLES), key


CASES = [(key, role) for key in MATRIX for role in ROLES]


@pytest.mark.parametrize(
    ("key", "role"), CASES, ids=[f"{m} {p} as {role}" for (m, p), role in CASES]
)
async def test_route_answers_the_role_its_expected_status(
    client: httpx.AsyncClient,
    database: Database,
    app: FastAPI,
    key: tuple[str, str],
    role: str,
) -> None:
    studio = await staffed_studio(client)
    caller: Account | None
    if role == "anonymous":
        caller = None
    elif role == "superuser":
        caller = await superuser_account(client, database)
    else:
        caller = studio.accounts[role]
    url, body = await MATRIX[key].build(Context(client, database, app, studio, caller))
    method = key[0]
    headers = caller.headers if caller is not None else {}
    response = await client.request(method, url, headers=headers, json=body)
    expected = MATRIX[key].expected[role]
    assert response.status_code == expected, f"{method} {url} as {role}: {response.text}"
    if expected == 401:
        assert response.json()["error"]["code"] == "invalid_token"
    if expected == 403:
        assert response.json()["error"]["code"] == "permission_denied"
