"""The studio caller (`organizations.deps`): the studio, the live login and the caller's
roles, read in one query, answer as the separate look-ups did."""

from __future__ import annotations

import httpx
from sqlalchemy import event

from fitflow.kit.db import Database
from tests.factories import account, studio

ORGS = "/api/v1/orgs"


async def test_an_unknown_studio_answers_404_before_a_bad_token_answers_401(
    client: httpx.AsyncClient,
) -> None:
    bad = {"Authorization": "Bearer not-a-token"}
    unknown = await client.get(f"{ORGS}/no-such-studio/staff", headers=bad)
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "organization_not_found"
    owner = await account(client)
    slug = (await studio(client, owner))["slug"]
    for headers in (bad, {}):
        refused = await client.get(f"{ORGS}/{slug}/staff", headers=headers)
        assert refused.status_code == 401


async def test_a_logged_out_login_is_refused_in_a_studio(client: httpx.AsyncClient) -> None:
    owner = await account(client)
    slug = (await studio(client, owner))["slug"]
    assert (await client.get(f"{ORGS}/{slug}/staff", headers=owner.headers)).status_code == 200
    body = {"refresh_token": owner.refresh_token}
    logout = await client.post("/api/v1/auth/logout", headers=owner.headers, json=body)
    assert logout.status_code == 204
    refused = await client.get(f"{ORGS}/{slug}/staff", headers=owner.headers)
    assert refused.status_code == 401


async def test_the_caller_is_resolved_in_one_query(
    client: httpx.AsyncClient, database: Database
) -> None:
    owner, member = await account(client), await account(client)
    slug = (await studio(client, owner))["slug"]
    assert (await client.post(f"{ORGS}/{slug}/join", headers=member.headers)).status_code == 201
    statements: list[str] = []

    def record(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(database.engine.sync_engine, "before_cursor_execute", record)
    try:
        mine = await client.get(f"{ORGS}/{slug}/me/bookings", headers=member.headers)
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", record)
    assert mine.status_code == 200
    caller = [s for s in statements if "FROM organizations" in s or "FROM token_families" in s]
    assert len(caller) == 1
