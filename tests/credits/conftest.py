from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx
import pytest

from tests.factories import Account, account, studio


@dataclass(frozen=True)
class Holder:
    """A member of a studio, with the studio's owner."""

    organization_id: uuid.UUID
    member_id: uuid.UUID
    slug: str
    owner: Account
    member: Account


async def make_holder(client: httpx.AsyncClient) -> Holder:
    owner, member = await account(client), await account(client)
    created = await studio(client, owner)
    joined = await client.post(f"/api/v1/orgs/{created['slug']}/join", headers=member.headers)
    assert joined.status_code == 201, joined.text
    return Holder(
        uuid.UUID(str(created["id"])),
        uuid.UUID(joined.json()["id"]),
        str(created["slug"]),
        owner,
        member,
    )


@pytest.fixture
async def holder(client: httpx.AsyncClient) -> Holder:
    return await make_holder(client)
