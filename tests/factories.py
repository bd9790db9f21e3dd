"""Plain async factories: create what a test needs through the real services and API."""

from __future__ import annotations

import dataclasses
import itertools
import uuid
from dataclasses import dataclass

import httpx
from sqlalchemy import text

from fitflow.auth import service as auth
from fitflow.auth.runtime import AuthRuntime
from fitflow.kit.db import Database

PASSWORD = "a-long-test-password"
TEN_PACK = {
    "kind": "class_pack",
    "name": "10 classes",
    "price_minor": 12000,
    "credits": 10,
    "validity_days": 90,
}
MONTHLY = {
    "kind": "unlimited",
    "name": "Monthly unlimited",
    "price_minor": 9000,
    "billing_period": "month",
}
_numbers = itertools.count(1)


@dataclass(frozen=True)
class Account:
    user_id: uuid.UUID
    email: str
    password: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}{next(_numbers)}-{uuid.uuid4().hex[:6]}@example.com"


async def create_user(
    database: Database,
    runtime: AuthRuntime,
    *,
    email: str | None = None,
    full_name: str = "Test Person",
    password: str = PASSWORD,
    superuser: bool = False,
) -> uuid.UUID:
    async with database.sessions() as session:
        user = await auth.ensure_user(
            session,
            runtime,
            email=email or unique_email(),
            full_name=full_name,
            password=password,
            superuser=superuser,
        )
        await session.commit()
        return user.id


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> dict[str, str]:
    response = await client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    tokens: dict[str, str] = response.json()
    return tokens


async def account(
    client: httpx.AsyncClient,
    *,
    email: str | None = None,
    full_name: str = "Test Person",
    password: str = PASSWORD,
) -> Account:
    """Register through the API and log in."""
    email = email or unique_email()
    response = await client.post(
        "/api/v1/auth/register",
        json={"email": email, "password": password, "full_name": full_name},
    )
    assert response.status_code == 201, response.text
    tokens = await login(client, email, password)
    return Account(
        user_id=uuid.UUID(response.json()["id"]),
        email=email,
        password=password,
        access_token=tokens["access_token"],
        refresh_token=tokens["refresh_token"],
    )


async def superuser_account(client: httpx.AsyncClient, database: Database) -> Account:
    runtime: AuthRuntime = client._transport.app.state.auth  # type: ignore[attr-defined]
    email = unique_email("operator")
    user_id = await create_user(database, runtime, email=email, superuser=True)
    tokens = await login(client, email)
    return Account(user_id, email, PASSWORD, tokens["access_token"], tokens["refresh_token"])


async def studio(
    client: httpx.AsyncClient, owner: Account, *, slug: str | None = None, name: str = "Studio"
) -> dict[str, object]:
    response = await client.post(
        "/api/v1/orgs",
        headers=owner.headers,
        json={
            "name": name,
            "slug": slug or f"studio-{uuid.uuid4().hex[:8]}",
            "timezone": "Europe/Berlin",
            "currency": "EUR",
        },
    )
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


@dataclass(frozen=True)
class Studio:
    """A studio with one account per role."""

    slug: str
    accounts: dict[str, Account]
    staff_ids: dict[str, str]
    member_id: str
    plan_id: str
    order_id: str | None = None
    """Set by `studio_with_sale`: a monthly membership sold to the member at the desk,
    a class type and a location."""
    membership_id: str | None = None
    class_type_id: str | None = None
    location_id: str | None = None


async def staffed_studio(client: httpx.AsyncClient) -> Studio:
    owner = await account(client, full_name="Owner")
    created = await studio(client, owner)
    slug = str(created["slug"])
    accounts = {"owner": owner}
    staff_ids: dict[str, str] = {}
    for role in ("admin", "trainer", "receptionist"):
        person = await account(client, full_name=role.title())
        response = await client.post(
            f"/api/v1/orgs/{slug}/staff",
            headers=owner.headers,
            json={"email": person.email, "role": role},
        )
        assert response.status_code == 201, response.text
        accounts[role] = person
        staff_ids[role] = response.json()["id"]
    member = await account(client, full_name="Member")
    joined = await client.post(f"/api/v1/orgs/{slug}/join", headers=member.headers)
    assert joined.status_code == 201, joined.text
    accounts["member"] = member
    accounts["outsider"] = await account(client, full_name="Outsider")
    listing = await client.get(f"/api/v1/orgs/{slug}/staff", headers=owner.headers)
    staff_ids["owner"] = next(s["id"] for s in listing.json()["items"] if s["role"] == "owner")
    plan = await client.post(f"/api/v1/orgs/{slug}/plans", headers=owner.headers, json=TEN_PACK)
    assert plan.status_code == 201, plan.text
    return Studio(slug, accounts, staff_ids, joined.json()["id"], plan.json()["id"])


async def sell(
    client: httpx.AsyncClient, slug: str, seller: Account, *, member_id: str, plan_id: str
) -> dict[str, object]:
    """A desk sale of `plan_id` to the member, paid in cash; the order."""
    response = await client.post(
        f"/api/v1/orgs/{slug}/orders",
        headers=seller.headers,
        json={"member_id": member_id, "plan_id": plan_id, "method": "cash"},
    )
    assert response.status_code == 201, response.text
    order: dict[str, object] = response.json()
    return order


YOGA = {"name": "Yoga", "duration_minutes": 60, "default_capacity": 20}
ROOM = {"name": "Studio 1"}


async def create(client: httpx.AsyncClient, url: str, owner: Account, body: object) -> str:
    """POST `body` as `owner`; the new object's id."""
    response = await client.post(url, headers=owner.headers, json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def studio_with_sale(client: httpx.AsyncClient) -> Studio:
    """A staffed studio with a class type and a location, whose member bought a monthly
    unlimited membership at the desk."""
    staffed = await staffed_studio(client)
    owner = staffed.accounts["owner"]
    base = f"/api/v1/orgs/{staffed.slug}"
    class_type_id = await create(client, f"{base}/class-types", owner, YOGA)
    location_id = await create(client, f"{base}/locations", owner, ROOM)
    plan = await client.post(
        f"/api/v1/orgs/{staffed.slug}/plans", headers=owner.headers, json=MONTHLY
    )
    assert plan.status_code == 201, plan.text
    order = await sell(
        client, staffed.slug, owner, member_id=staffed.member_id, plan_id=plan.json()["id"]
    )
    return dataclasses.replace(
        staffed,
        order_id=str(order["id"]),
        membership_id=str(order["granted_membership_id"]),
        class_type_id=class_type_id,
        location_id=location_id,
    )


@dataclass(frozen=True)
class Subscribed:
    subscription_id: str
    other_plan_id: str
    """Another monthly unlimited plan the subscription may move to."""


async def subscribe_the_sale(
    client: httpx.AsyncClient, database: Database, studio: Studio
) -> Subscribed:
    """Make the membership of `studio_with_sale`'s sale one that a (Stripe) subscription
    renews, written as Stripe's events would write it, for tests that run without Stripe;
    and add a second monthly plan to move it to."""
    owner = studio.accounts["owner"]
    other = await client.post(
        f"/api/v1/orgs/{studio.slug}/plans",
        headers=owner.headers,
        json={**MONTHLY, "name": "Monthly plus", "price_minor": 11000},
    )
    assert other.status_code == 201, other.text
    subscription_id = uuid.uuid4()
    async with database.sessions() as session:
        await session.execute(
            text(
                "INSERT INTO subscriptions (id, organization_id, member_id, plan_id, provider,"
                " provider_ref, amount_minor, currency, status, cancel_at_period_end, created_at)"
                " SELECT :id, m.organization_id, m.member_id, m.plan_id, 'stripe', :ref,"
                " p.price_minor, p.currency, 'active', false, now()"
                " FROM memberships m JOIN plans p ON p.id = m.plan_id WHERE m.id = :membership"
            ),
            {
                "id": subscription_id,
                "ref": f"sub_{subscription_id.hex[:14]}",
                "membership": studio.membership_id,
            },
        )
        await session.execute(
            text("UPDATE memberships SET subscription_id = :id WHERE id = :membership"),
            {"id": subscription_id, "membership": studio.membership_id},
        )
        await session.commit()
    return Subscribed(str(subscription_id), str(other.json()["id"]))
