"""Two owners taking each other's role away at the same moment leave one owner (real
commits on separate connections: the studio row lock serialises the two requests)."""

from __future__ import annotations

import asyncio

import httpx

from tests.factories import Studio, staffed_studio


async def two_owners(client: httpx.AsyncClient) -> Studio:
    studio = await staffed_studio(client)
    promoted = await client.patch(
        f"/api/v1/orgs/{studio.slug}/staff/{studio.staff_ids['admin']}",
        headers=studio.accounts["owner"].headers,
        json={"role": "owner"},
    )
    assert promoted.status_code == 200, promoted.text
    return studio


async def owner_emails(client: httpx.AsyncClient, studio: Studio, by: str) -> set[str]:
    response = await client.get(
        f"/api/v1/orgs/{studio.slug}/staff", headers=studio.accounts[by].headers
    )
    assert response.status_code == 200, response.text
    return {s["email"] for s in response.json()["items"] if s["role"] == "owner"}


def assert_refused(loser: httpx.Response) -> None:
    """The slower request either still ran as an owner and met the last-owner rule, or
    started after its caller had lost the owner role and was refused for that."""
    code = loser.json()["error"]["code"]
    assert (loser.status_code, code) in {
        (409, "last_owner"),
        (403, "permission_denied"),
        (403, "role_not_assignable"),
    }, loser.text


async def race(client: httpx.AsyncClient, method: str, success: int) -> None:
    """Each of two owners takes the other's owner role away at the same moment."""
    studio = await two_owners(client)
    first, second = studio.accounts["owner"], studio.accounts["admin"]
    base = f"/api/v1/orgs/{studio.slug}/staff"
    body = {"role": "admin"} if method == "PATCH" else None
    answers = await asyncio.gather(
        client.request(
            method, f"{base}/{studio.staff_ids['admin']}", headers=first.headers, json=body
        ),
        client.request(
            method, f"{base}/{studio.staff_ids['owner']}", headers=second.headers, json=body
        ),
    )
    [winner] = [a for a in answers if a.status_code == success]
    [loser] = [a for a in answers if a is not winner]
    assert_refused(loser)
    survivor = "owner" if answers[0] is winner else "admin"
    assert await owner_emails(client, studio, survivor) == {studio.accounts[survivor].email}


ROUNDS = 4  # the interleaving varies; several rounds make a missing lock show


class TestLastOwnerUnderConcurrency:
    async def test_concurrent_mutual_removals_leave_exactly_one_owner(
        self, committed_client: httpx.AsyncClient
    ) -> None:
        for _ in range(ROUNDS):
            await race(committed_client, "DELETE", 204)

    async def test_concurrent_mutual_demotions_leave_exactly_one_owner(
        self, committed_client: httpx.AsyncClient
    ) -> None:
        for _ in range(ROUNDS):
            await race(committed_client, "PATCH", 200)
