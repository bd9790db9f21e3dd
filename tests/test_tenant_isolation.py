"""Two studios, A and B: nothing of one can be read or changed through the other.

A's owner addresses B's objects under A's slug (404, and B is unchanged); B's owner
calls A's staff routes (403, and none of A's data in the answer). Both tables are checked
against the app's routes, so a new route under /orgs/{org} needs a row here.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from fitflow.kit import time
from fitflow.kit.db import current_database
from tests.factories import (
    Account,
    Studio,
    account,
    create,
    studio_with_sale,
    subscribe_the_sale,
)
from tests.test_permission_matrix import EVERY_MORNING, PT, shown, stream_head, streaming_client

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
    ("POST", f"{ORG}/plans/{{plan_id}}/checkout"): {},
    ("GET", f"{ORG}/members/{{member_id}}/memberships"): None,
    ("GET", f"{ORG}/members/{{member_id}}/subscriptions"): None,
    ("POST", f"{ORG}/subscriptions/{{subscription_id}}/change-plan"): {"plan_id": "<other plan>"},
    ("POST", f"{ORG}/memberships/{{membership_id}}/freeze"): {"days": 3},
    ("POST", f"{ORG}/memberships/{{membership_id}}/unfreeze"): None,
    ("POST", f"{ORG}/memberships/{{membership_id}}/cancel"): {"at_period_end": False},
    ("GET", f"{ORG}/orders/{{order_id}}"): None,
    ("POST", f"{ORG}/orders/{{order_id}}/refund"): {"amount_minor": 100, "reason": "from A"},
    ("POST", f"{ORG}/orders/{{order_id}}/void"): {"reason": "from A"},
    ("GET", f"{ORG}/invoices/{{invoice_id}}"): None,
    ("GET", f"{ORG}/invoices/{{invoice_id}}.html"): None,
    ("GET", f"{ORG}/invoices/{{invoice_id}}.pdf"): None,
    ("PATCH", f"{ORG}/class-types/{{class_type_id}}"): {"name": "Renamed by A"},
    ("POST", f"{ORG}/class-types/{{class_type_id}}/archive"): None,
    ("POST", f"{ORG}/locations/{{location_id}}/archive"): None,
    ("GET", f"{ORG}/sessions/{{session_id}}"): None,
    ("PATCH", f"{ORG}/sessions/{{session_id}}"): {"capacity": 3},
    ("GET", f"{ORG}/sessions/{{session_id}}/attendees"): None,
    ("POST", f"{ORG}/sessions/{{session_id}}/holds"): None,
    ("POST", f"{ORG}/sessions/{{session_id}}/bookings"): None,
    ("POST", f"{ORG}/sessions/{{session_id}}/waitlist"): None,
    ("DELETE", f"{ORG}/sessions/{{session_id}}/waitlist"): None,
    ("GET", f"{ORG}/sessions/{{session_id}}/waitlist"): None,
    ("POST", f"{ORG}/holds/{{hold_id}}/confirm"): None,
    ("DELETE", f"{ORG}/holds/{{hold_id}}"): None,
    ("POST", f"{ORG}/bookings/{{booking_id}}/cancel"): {"waive_reason": "from A"},
    ("GET", f"{ORG}/bookings/{{booking_id}}/qr"): None,
    ("PATCH", f"{ORG}/schedules/{{schedule_id}}"): {"title": "from A", "capacity": 3},
    ("POST", f"{ORG}/schedules/{{schedule_id}}/end"): None,
    ("GET", f"{ORG}/sessions/{{session_id}}/events"): None,
    ("GET", f"{ORG}/trainers/{{trainer_id}}/availability"): None,
    ("PUT", f"{ORG}/trainers/{{trainer_id}}/availability"): EVERY_MORNING,
    ("POST", f"{ORG}/trainers/{{trainer_id}}/time-away"): {
        "starts_at": "<in a week>",
        "ends_at": "<in a week and an hour>",
    },
    ("DELETE", f"{ORG}/trainers/{{trainer_id}}/time-away/{{exception_id}}"): None,
    ("GET", f"{ORG}/trainers/{{trainer_id}}/slots"): None,
}
# The query string some routes need (of the addressed studio, so only the path's ids
# are another studio's).
QUERIES: dict[tuple[str, str], dict[str, str]] = {
    ("GET", f"{ORG}/trainers/{{trainer_id}}/slots"): {"class_type_id": "<appointment type>"},
    ("GET", f"{ORG}/reports/revenue"): {"from": "<today>", "to": "<today>"},
}
# Server-Sent Event streams, which never end: opened, looked at and closed.
STREAMS = {("GET", f"{ORG}/sessions/{{session_id}}/events")}
# Of those, the routes a member calls for themself (staff who are not members get 404
# whatever the id): A's member calls them, A's owner the others.
AS_MEMBER = {
    ("POST", f"{ORG}/sessions/{{session_id}}/holds"),
    ("POST", f"{ORG}/sessions/{{session_id}}/bookings"),
    ("POST", f"{ORG}/sessions/{{session_id}}/waitlist"),
    ("DELETE", f"{ORG}/sessions/{{session_id}}/waitlist"),
    ("POST", f"{ORG}/holds/{{hold_id}}/confirm"),
    ("DELETE", f"{ORG}/holds/{{hold_id}}"),
    ("POST", f"{ORG}/plans/{{plan_id}}/checkout"),
}
# Routes that reach Stripe, which these tests run without (tests/payments run it).
NEEDS_STRIPE = {("POST", f"{ORG}/plans/{{plan_id}}/checkout")}
# Of those, the routes only a booking's member may call: A's member who booked calls them.
AS_BOOKER = {("GET", f"{ORG}/bookings/{{booking_id}}/qr")}


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
    ("GET", f"{ORG}/sessions"),
    ("GET", f"{ORG}/sessions/{{session_id}}"),
    ("GET", f"{ORG}/sessions/{{session_id}}/events"),
    ("GET", f"{ORG}/schedule/events"),
    ("GET", f"{ORG}/trainers/{{trainer_id}}/availability"),
    ("GET", f"{ORG}/trainers/{{trainer_id}}/slots"),
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
    # only the studio's own members check out
    ("POST", f"{ORG}/plans/{{plan_id}}/checkout"): Outside(404, {}),
    ("POST", f"{ORG}/members/{{member_id}}/credit-adjustments"): Outside(
        403, {"units": 100, "reason": "from B"}
    ),
    # memberships answer 404 to anyone who is neither staff nor their member
    ("GET", f"{ORG}/me/memberships"): Outside(404),
    ("GET", f"{ORG}/members/{{member_id}}/memberships"): Outside(404),
    ("GET", f"{ORG}/me/subscriptions"): Outside(404),
    ("GET", f"{ORG}/members/{{member_id}}/subscriptions"): Outside(404),
    ("POST", f"{ORG}/subscriptions/{{subscription_id}}/change-plan"): Outside(
        404, {"plan_id": "<other plan>"}
    ),
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
    ("GET", f"{ORG}/invoices"): Outside(403),
    # an invoice answers 404 to anyone who is neither staff nor its member
    ("GET", f"{ORG}/me/invoices"): Outside(404),
    ("GET", f"{ORG}/invoices/{{invoice_id}}"): Outside(404),
    ("GET", f"{ORG}/invoices/{{invoice_id}}.html"): Outside(404),
    ("GET", f"{ORG}/invoices/{{invoice_id}}.pdf"): Outside(404),
    ("GET", f"{ORG}/reports/revenue"): Outside(403),
    ("POST", f"{ORG}/class-types"): Outside(
        403, {"name": "B", "duration_minutes": 30, "default_capacity": 5}
    ),
    ("PATCH", f"{ORG}/class-types/{{class_type_id}}"): Outside(403, {"name": "B"}),
    ("POST", f"{ORG}/class-types/{{class_type_id}}/archive"): Outside(403),
    ("POST", f"{ORG}/locations"): Outside(403, {"name": "B's room"}),
    ("POST", f"{ORG}/locations/{{location_id}}/archive"): Outside(403),
    ("POST", f"{ORG}/sessions"): Outside(
        403, {"class_type_id": "<class type>", "starts_at": "<in three days>"}
    ),
    ("PATCH", f"{ORG}/sessions/{{session_id}}"): Outside(403, {"capacity": 3}),
    ("GET", f"{ORG}/sessions/{{session_id}}/attendees"): Outside(403),
    ("POST", f"{ORG}/bookings"): Outside(403, {"member_id": "<member>", "session_id": "<session>"}),
    # booking for oneself needs a member record here: B's owner has none
    ("POST", f"{ORG}/sessions/{{session_id}}/holds"): Outside(404),
    ("POST", f"{ORG}/sessions/{{session_id}}/bookings"): Outside(404),
    ("POST", f"{ORG}/holds/{{hold_id}}/confirm"): Outside(404),
    ("DELETE", f"{ORG}/holds/{{hold_id}}"): Outside(404),
    ("GET", f"{ORG}/me/bookings"): Outside(404),
    ("POST", f"{ORG}/sessions/{{session_id}}/waitlist"): Outside(404),
    ("DELETE", f"{ORG}/sessions/{{session_id}}/waitlist"): Outside(404),
    ("GET", f"{ORG}/sessions/{{session_id}}/waitlist"): Outside(404),
    # a booking answers 404 to anyone who is neither staff nor its member
    ("POST", f"{ORG}/bookings/{{booking_id}}/cancel"): Outside(404, {"waive_reason": "from B"}),
    ("GET", f"{ORG}/bookings/{{booking_id}}/qr"): Outside(404),
    ("POST", f"{ORG}/checkins"): Outside(403, {"booking_id": "<booking>"}),
    ("GET", f"{ORG}/schedules"): Outside(403),
    ("POST", f"{ORG}/schedules"): Outside(
        403,
        {
            "class_type_id": "<class type>",
            "rrule": "FREQ=WEEKLY;BYDAY=MO",
            "first_day": "<today>",
            "start_time": "18:00",
        },
    ),
    ("PATCH", f"{ORG}/schedules/{{schedule_id}}"): Outside(403, {"title": "from B"}),
    ("POST", f"{ORG}/schedules/{{schedule_id}}/end"): Outside(403),
    # a trainer's time is theirs and admin+'s; B's owner is neither
    ("PUT", f"{ORG}/trainers/{{trainer_id}}/availability"): Outside(403, {"windows": []}),
    ("POST", f"{ORG}/trainers/{{trainer_id}}/time-away"): Outside(
        403, {"starts_at": "<in a week>", "ends_at": "<in a week and an hour>"}
    ),
    ("DELETE", f"{ORG}/trainers/{{trainer_id}}/time-away/{{exception_id}}"): Outside(403),
    # booking an appointment needs a member record here: B's owner has none
    ("POST", f"{ORG}/appointments"): Outside(
        404,
        {
            "class_type_id": "<appointment type>",
            "trainer_id": "<trainer>",
            "starts_at": "<in three days>",
        },
    ),
}


# A path parameter, the label for messages, and the Studio field holding its one id.
SINGLE_IDS = {
    "member_id": ("member", "member_id"),
    "plan_id": ("plan", "plan_id"),
    "order_id": ("order", "order_id"),
    "invoice_id": ("invoice", "invoice_id"),
    "membership_id": ("membership", "membership_id"),
    "subscription_id": ("subscription", "subscription_id"),
    "class_type_id": ("class type", "class_type_id"),
    "location_id": ("location", "location_id"),
    "session_id": ("class session", "session_id"),
    "hold_id": ("hold", "hold_id"),
    "booking_id": ("booking", "booking_id"),
    "schedule_id": ("schedule", "schedule_id"),
    "exception_id": ("time away", "exception_id"),
}
# Path parameters that name a staff member (a trainer is a staff id).
STAFF_PARAMETERS = {"staff_id", "trainer_id"}


@dataclass(frozen=True)
class BookedStudio(Studio):
    """A studio with a sale (`studio_with_sale`) and three classes of one spot in a few
    days: one free (`session_id`), one the member holds (`hold_id`) and one another
    member (`booker`) booked with credits (`booking_id`; so the sale stays unused and
    voidable). Also a weekly class (`schedule_id`), a 1:1 service (`appointment_type_id`)
    and the trainer's mornings and time away next week (`exception_id`), and the sale's
    invoice (`invoice_id`); the sale's membership is renewed by a subscription
    (`subscription_id`), which may move to another monthly plan (`other_plan_id`)."""

    session_id: str = ""
    hold_id: str = ""
    booking_id: str = ""
    booker: Account | None = None
    schedule_id: str = ""
    appointment_type_id: str = ""
    exception_id: str = ""
    invoice_id: str = ""
    subscription_id: str = ""
    other_plan_id: str = ""


def in_days(days: int, *, hours: int = 0) -> str:
    return (time.now() + timedelta(days=days, hours=hours)).replace(microsecond=0).isoformat()


async def studio_with_bookings(client: httpx.AsyncClient) -> BookedStudio:
    studio = await studio_with_sale(client)
    base = f"/api/v1/orgs/{studio.slug}"
    owner, member = studio.accounts["owner"], studio.accounts["member"]
    session_ids = []
    for days in (3, 4, 5):
        starts_at = (time.now() + timedelta(days=days)).replace(microsecond=0)
        body = {
            "class_type_id": studio.class_type_id,
            "starts_at": starts_at.isoformat(),
            "capacity": 1,
        }
        session_ids.append(await create(client, f"{base}/sessions", owner, body))
    free, held, booked = session_ids
    hold_id = await create(client, f"{base}/sessions/{held}/holds", member, None)
    other, other_id = await another_member(client, studio)
    granted = await client.post(
        f"{base}/members/{other_id}/credit-adjustments",
        headers=owner.headers,
        json={"units": 1000, "reason": "classes"},
    )
    assert granted.status_code == 201, granted.text
    booking_id = await create(client, f"{base}/sessions/{booked}/bookings", other, None)
    weekly = {
        "class_type_id": studio.class_type_id,
        "rrule": "FREQ=WEEKLY;BYDAY=MO;COUNT=2",
        "first_day": time.now().date().isoformat(),
        "start_time": "18:00",
    }
    schedule_id = await create(client, f"{base}/schedules", owner, weekly)
    appointment_type_id = await create(client, f"{base}/class-types", owner, PT)
    trainer = f"{base}/trainers/{studio.staff_ids['trainer']}"
    put = await client.put(
        f"{trainer}/availability", headers=studio.accounts["trainer"].headers, json=EVERY_MORNING
    )
    assert put.status_code == 200, put.text
    away = {"starts_at": in_days(7), "ends_at": in_days(7, hours=1)}
    exception_id = await create(client, f"{trainer}/time-away", studio.accounts["trainer"], away)
    invoices = await client.get(f"{base}/invoices", headers=owner.headers)
    assert invoices.status_code == 200, invoices.text
    [invoice_id] = [i["id"] for i in invoices.json()["items"] if i["order_id"] == studio.order_id]
    subscribed = await subscribe_the_sale(client, current_database(), studio)
    fields = {field.name: getattr(studio, field.name) for field in dataclasses.fields(studio)}
    return BookedStudio(
        **fields,
        session_id=free,
        hold_id=hold_id,
        booking_id=booking_id,
        booker=other,
        schedule_id=schedule_id,
        appointment_type_id=appointment_type_id,
        exception_id=exception_id,
        invoice_id=invoice_id,
        subscription_id=subscribed.subscription_id,
        other_plan_id=subscribed.other_plan_id,
    )


async def another_member(client: httpx.AsyncClient, studio: Studio) -> tuple[Account, str]:
    """A new account that joins the studio; it and its member id."""
    other = await account(client, full_name="Another Member")
    joined = await client.post(f"/api/v1/orgs/{studio.slug}/join", headers=other.headers)
    assert joined.status_code == 201, joined.text
    return other, str(joined.json()["id"])


async def fill_the_session(client: httpx.AsyncClient, studio: BookedStudio) -> None:
    """Another member of the studio holds the free class's one spot."""
    other, _ = await another_member(client, studio)
    url = f"/api/v1/orgs/{studio.slug}/sessions/{studio.session_id}/holds"
    await create(client, url, other, None)


def object_ids(studio: Studio, parameter: str) -> dict[str, str]:
    """Every id of `studio` a path parameter can name, by a label for messages."""
    if parameter in STAFF_PARAMETERS:
        return {f"{role} staff": staff_id for role, staff_id in studio.staff_ids.items()}
    if parameter not in SINGLE_IDS:
        raise AssertionError(f"no ids known for {{{parameter}}}; extend object_ids")
    label, field = SINGLE_IDS[parameter]
    object_id = getattr(studio, field)
    assert object_id, f"{field} is not set: build the studio with studio_with_sale"
    return {label: str(object_id)}


def fill(
    template: str, slug: str, studio_with_ids: Studio, among: Studio | None = None
) -> list[tuple[str, str]]:
    """The template with `slug` and, for its id parameters, each combination of ids of
    `studio_with_ids`; with `among`, a route with several ids also gets each one of those
    ids among the other ids of `among` (another studio's time away with the addressed
    studio's trainer)."""
    path = template.replace("{org}", slug)
    parameters = ID_PARAMETER.findall(path)
    if not parameters:
        return [("", path)]
    theirs = [object_ids(studio_with_ids, parameter).items() for parameter in parameters]
    choices = list(itertools.product(*theirs))
    if among is not None and len(parameters) > 1:
        ours = [
            [(f"{label} of the addressed studio", i) for label, i in object_ids(among, p).items()]
            for p in parameters
        ]
        for index in range(len(parameters)):
            mixed = [theirs[index] if n == index else ours[n] for n in range(len(parameters))]
            choices.extend(itertools.product(*mixed))
    filled = []
    for choice in choices:
        url = path
        for parameter, (_, object_id) in zip(parameters, choice, strict=True):
            url = url.replace(f"{{{parameter}}}", object_id)
        filled.append((" and ".join(label for label, _ in choice), url))
    return filled


def own_url(template: str, studio: Studio) -> str:
    """The template with the studio's slug and its own objects: its trainer for a staff
    id, its one object of each other kind."""
    url = template.replace("{org}", studio.slug)
    for parameter in ID_PARAMETER.findall(url):
        if parameter in STAFF_PARAMETERS:
            object_id = studio.staff_ids["trainer"]
        else:
            object_id = str(getattr(studio, SINGLE_IDS[parameter][1]))
        url = url.replace(f"{{{parameter}}}", object_id)
    return url


def placeholders(studio: BookedStudio) -> dict[str, object]:
    """What the `<...>` values of bodies and queries stand for, in `studio`."""
    return {
        "<member>": studio.member_id,
        "<plan>": studio.plan_id,
        "<other plan>": studio.other_plan_id,
        "<class type>": studio.class_type_id,
        "<appointment type>": studio.appointment_type_id,
        "<trainer>": studio.staff_ids["trainer"],
        "<session>": studio.session_id,
        "<booking>": studio.booking_id,
        "<today>": time.now().date().isoformat(),
        "<in three days>": in_days(3),
        "<in a week>": in_days(7, hours=3),
        "<in a week and an hour>": in_days(7, hours=4),
    }


def resolve(values: Mapping[str, object] | None, studio: BookedStudio) -> dict[str, object] | None:
    if values is None:
        return None
    known = placeholders(studio)
    return {key: known.get(str(value), value) for key, value in values.items()}


def caller_of(studio: BookedStudio, key: tuple[str, str]) -> Account:
    """Who calls an id route of the studio: its booker, its member or its owner."""
    if key in AS_BOOKER:
        assert studio.booker is not None
        return studio.booker
    return studio.accounts["member" if key in AS_MEMBER else "owner"]


async def call(
    client: httpx.AsyncClient,
    app: FastAPI,
    key: tuple[str, str],
    url: str,
    *,
    caller: Account,
    body: Mapping[str, object] | None,
    query: Mapping[str, object] | None = None,
) -> httpx.Response:
    """The request; a stream is opened, looked at and closed (`stream_head`)."""
    method = key[0]
    if key in STREAMS:
        assert (method, body, query) == ("GET", None, None)
        async with streaming_client(app) as live:
            return await stream_head(live, url, caller.headers)
    params = {name: str(value) for name, value in (query or {}).items()}
    return await client.request(method, url, headers=caller.headers, json=body, params=params)


async def snapshot(client: httpx.AsyncClient, studio: BookedStudio) -> dict[str, Any]:
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
        "invoices": f"{base}/invoices?limit=200",
        "class types": f"{base}/class-types?limit=200",
        "locations": f"{base}/locations?limit=200",
        "memberships": f"{base}/members/{studio.member_id}/memberships",
        "sessions": f"{base}/sessions?limit=200",
        "schedules": f"{base}/schedules?limit=200",
    }
    reads |= {
        f"availability of {role}": f"{base}/trainers/{staff_id}/availability"
        for role, staff_id in studio.staff_ids.items()
    }
    result: dict[str, Any] = {}
    for name, url in reads.items():
        response = await client.get(url, headers=headers)
        assert response.status_code == 200, response.text
        result[name] = response.json()
    for item in result["sessions"]["items"]:
        for what in ("attendees", "waitlist"):
            response = await client.get(f"{base}/sessions/{item['id']}/{what}", headers=headers)
            assert response.status_code == 200, response.text
            result[f"{what} of {item['id']}"] = response.json()
    bookings = await client.get(
        f"{base}/me/bookings?limit=200", headers=studio.accounts["member"].headers
    )
    assert bookings.status_code == 200, bookings.text
    result["bookings of the member"] = bookings.json()
    for role in ("owner", "admin", "trainer", "receptionist", "member"):
        me = await client.get("/api/v1/me", headers=studio.accounts[role].headers)
        result[f"me of {role}"] = me.json()
    return result


@pytest.fixture
async def studios(client: httpx.AsyncClient) -> tuple[BookedStudio, BookedStudio]:
    return await studio_with_bookings(client), await studio_with_bookings(client)


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
        app: FastAPI,
        studios: tuple[BookedStudio, BookedStudio],
        method: str,
        template: str,
    ) -> None:
        a, b = studios
        before = await snapshot(client, b)
        key = (method, template)
        caller = caller_of(a, key)
        tried = fill(template, a.slug, b, among=a)
        assert tried
        body, query = resolve(ID_ROUTES[key], a), resolve(QUERIES.get(key), a)
        for label, url in tried:
            response = await call(client, app, key, url, caller=caller, body=body, query=query)
            assert response.status_code == 404, (
                f"{method} {url} with B's {label}: {response.status_code} {shown(response)}"
            )
            assert response.json()["error"]["code"] in {
                "staff_not_found",
                "member_not_found",
                "plan_not_found",
                "order_not_found",
                "invoice_not_found",
                "membership_not_found",
                "subscription_not_found",
                "class_type_not_found",
                "location_not_found",
                "class_session_not_found",
                "hold_not_found",
                "booking_not_found",
                "schedule_not_found",
                "trainer_not_found",
                "time_away_not_found",
            }
            for person in b.accounts.values():
                assert person.email not in response.text
        assert await snapshot(client, b) == before

    @pytest.mark.parametrize(("method", "template"), list(ID_ROUTES))
    async def test_the_same_request_with_a_own_ids_works(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        studios: tuple[BookedStudio, BookedStudio],
        method: str,
        template: str,
    ) -> None:
        """The 404s above are about the tenant, not the request: with A's ids they pass."""
        a, _ = studios
        key = (method, template)
        url = own_url(template, a)
        if template.endswith("/unfreeze"):
            freeze = url.replace("/unfreeze", "/freeze")
            await client.post(freeze, headers=a.accounts["owner"].headers, json={"days": 3})
        caller = caller_of(a, key)
        if template.endswith("/waitlist") and method != "GET":
            await fill_the_session(client, a)
        if template.endswith("/waitlist") and method == "DELETE":
            await create(client, url, caller, None)
        body, query = resolve(ID_ROUTES[key], a), resolve(QUERIES.get(key), a)
        response = await call(client, app, key, url, caller=caller, body=body, query=query)
        if key in NEEDS_STRIPE:
            # Past every tenant check, refused only because this app has no Stripe keys.
            assert response.json()["error"]["code"] == "online_payments_unavailable"
            return
        assert response.is_success, f"{method} {url}: {shown(response)}"

    async def test_b_ids_in_a_body_name_nothing_and_change_nothing(
        self, client: httpx.AsyncClient, studios: tuple[BookedStudio, BookedStudio]
    ) -> None:
        """A staff booking of B's member or into B's class, or a check-in of B's booking, is
        not found; a class, weekly class or appointment of A with B's class type, location
        or trainer is refused as unknown."""
        a, b = studios
        base = f"/api/v1/orgs/{a.slug}"
        starts_at = (time.now() + timedelta(days=6)).replace(microsecond=0).isoformat()
        own = {"class_type_id": a.class_type_id, "starts_at": starts_at}
        weekly = {
            "class_type_id": a.class_type_id,
            "rrule": "FREQ=WEEKLY;BYDAY=TU",
            "first_day": time.now().date().isoformat(),
            "start_time": "07:00",
        }
        appointment = {
            "class_type_id": a.appointment_type_id,
            "trainer_id": a.staff_ids["trainer"],
            "starts_at": starts_at,
        }
        slots = f"{base}/trainers/{a.staff_ids['trainer']}/slots"
        cases: list[tuple[str, str, dict[str, object] | None, int, str]] = [
            (
                "POST",
                f"{base}/bookings",
                {"member_id": b.member_id, "session_id": a.session_id},
                404,
                "member_not_found",
            ),
            (
                "POST",
                f"{base}/bookings",
                {"member_id": a.member_id, "session_id": b.session_id},
                404,
                "class_session_not_found",
            ),
            (
                "POST",
                f"{base}/sessions",
                {**own, "class_type_id": b.class_type_id},
                422,
                "unknown_class_types",
            ),
            (
                "POST",
                f"{base}/sessions",
                {**own, "location_id": b.location_id},
                422,
                "unknown_location",
            ),
            (
                "POST",
                f"{base}/sessions",
                {**own, "trainer_id": b.staff_ids["trainer"]},
                422,
                "unknown_trainer",
            ),
            (
                "PATCH",
                f"{base}/sessions/{a.session_id}",
                {"trainer_id": b.staff_ids["trainer"]},
                422,
                "unknown_trainer",
            ),
            ("POST", f"{base}/checkins", {"booking_id": b.booking_id}, 404, "booking_not_found"),
            (
                "POST",
                f"{base}/schedules",
                {**weekly, "class_type_id": b.class_type_id},
                422,
                "unknown_class_types",
            ),
            (
                "POST",
                f"{base}/schedules",
                {**weekly, "location_id": b.location_id},
                422,
                "unknown_location",
            ),
            (
                "POST",
                f"{base}/schedules",
                {**weekly, "trainer_id": b.staff_ids["trainer"]},
                422,
                "unknown_trainer",
            ),
            (
                "PATCH",
                f"{base}/schedules/{a.schedule_id}",
                {"trainer_id": b.staff_ids["trainer"]},
                422,
                "unknown_trainer",
            ),
            (
                "GET",
                f"{slots}?class_type_id={b.appointment_type_id}",
                None,
                422,
                "unknown_class_types",
            ),
        ]
        # booking an appointment is the member's
        member_cases: list[tuple[str, str, dict[str, object] | None, int, str]] = [
            (
                "POST",
                f"{base}/appointments",
                {**appointment, "class_type_id": b.appointment_type_id},
                422,
                "unknown_class_types",
            ),
            (
                "POST",
                f"{base}/appointments",
                {**appointment, "trainer_id": b.staff_ids["trainer"]},
                422,
                "unknown_trainer",
            ),
        ]
        before = await snapshot(client, a), await snapshot(client, b)
        for role, tried in (("owner", cases), ("member", member_cases)):
            for method, url, body, status, code in tried:
                response = await client.request(
                    method, url, headers=a.accounts[role].headers, json=body
                )
                assert response.status_code == status, f"{method} {url} {body}: {response.text}"
                assert response.json()["error"]["code"] == code
        assert (await snapshot(client, a), await snapshot(client, b)) == before


class TestAnotherStudiosOwnerIsAnOutsider:
    @pytest.mark.parametrize(("method", "template"), list(STAFF_ROUTES))
    async def test_b_owner_is_refused_on_a_staff_routes_and_sees_none_of_a(
        self,
        client: httpx.AsyncClient,
        studios: tuple[BookedStudio, BookedStudio],
        method: str,
        template: str,
    ) -> None:
        a, b = studios
        before = await snapshot(client, a)
        b_owner = b.accounts["owner"]
        rule = STAFF_ROUTES[(method, template)]
        body = resolve(rule.body, a)
        if body is not None and body.get("email") == "<a fresh account>":
            body = {**body, "email": (await account(client)).email}
        a_studio_id = before["studio"]["id"]
        secrets = {person.email for person in a.accounts.values()} | {
            str(person.user_id) for person in a.accounts.values()
        }
        secrets |= set(a.staff_ids.values()) | {a.member_id, a_studio_id, a.plan_id}
        secrets |= {str(a.order_id), str(a.membership_id), str(a.class_type_id)}
        secrets |= {str(a.location_id), a.session_id, a.hold_id, a.booking_id}
        secrets |= {a.schedule_id, a.appointment_type_id, a.exception_id, a.invoice_id}
        query = resolve(QUERIES.get((method, template)), a) or {}
        params = {name: str(value) for name, value in query.items()}
        for label, url in fill(template, a.slug, a):
            response = await client.request(
                method, url, headers=b_owner.headers, json=body, params=params
            )
            assert response.status_code == rule.status, f"{method} {url} ({label})"
            leaked = {secret for secret in secrets if secret in response.text}
            assert not leaked, f"{method} {url} shows A's data: {leaked}"
        assert await snapshot(client, a) == before

    async def test_b_owner_reads_only_a_public_profile(
        self, client: httpx.AsyncClient, studios: tuple[BookedStudio, BookedStudio]
    ) -> None:
        a, b = studios
        response = await client.get(f"/api/v1/orgs/{a.slug}", headers=b.accounts["owner"].headers)
        assert response.status_code == 200
        for person in a.accounts.values():
            assert person.email not in response.text
            assert str(person.user_id) not in response.text
