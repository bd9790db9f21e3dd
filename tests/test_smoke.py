from __future__ import annotations

import httpx

from tests.factories import account, staffed_studio


async def test_a_registered_user_sees_their_studio_roles(client: httpx.AsyncClient) -> None:
    studio = await staffed_studio(client)
    me = await client.get("/api/v1/me", headers=studio.accounts["owner"].headers)
    assert me.status_code == 200
    assert me.json()["studios"][0]["roles"] == ["owner"]
    other = await account(client)
    assert (await client.get("/api/v1/me", headers=other.headers)).json()["studios"] == []
