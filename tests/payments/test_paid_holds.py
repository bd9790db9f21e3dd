"""A held spot nothing pays for: the 402 carries a checkout for the drop-in and the hold
waits for it. The payment confirms the spot; a payment arriving after the hold lapsed
books a free spot, or is refunded in full when none is left."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import text

from fitflow.kit import time
from tests.factories import Account, Studio, account, studio_with_sale
from tests.payments.online import Shop

DROP_IN = {
    "kind": "drop_in",
    "name": "Drop-in",
    "price_minor": 1500,
    "non_member_price_minor": 2000,
}


async def _class(client: httpx.AsyncClient, studio: Studio, *, capacity: int) -> str:
    """A class two days ahead, in a studio that sells drop-ins."""
    owner = studio.accounts["owner"].headers
    drop_in = await client.post(f"/api/v1/orgs/{studio.slug}/plans", headers=owner, json=DROP_IN)
    assert drop_in.status_code == 201, drop_in.text
    starts = (time.now() + timedelta(days=2)).replace(microsecond=0)
    created = await client.post(
        f"/api/v1/orgs/{studio.slug}/sessions",
        headers=owner,
        json={
            "class_type_id": studio.class_type_id,
            "starts_at": starts.isoformat(),
            "capacity": capacity,
        },
    )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def _newcomer(client: httpx.AsyncClient, studio: Studio) -> Account:
    """A member who holds nothing that pays for a class."""
    person = await account(client, full_name="Walk In")
    joined = await client.post(f"/api/v1/orgs/{studio.slug}/join", headers=person.headers)
    assert joined.status_code == 201, joined.text
    return person


async def _unpaid_hold(
    client: httpx.AsyncClient, studio: Studio, person: Account, session_id: str
) -> dict[str, Any]:
    """Hold and try to confirm: the 402's data."""
    base = f"/api/v1/orgs/{studio.slug}"
    held = await client.post(f"{base}/sessions/{session_id}/holds", headers=person.headers)
    assert held.status_code == 201, held.text
    confirm = await client.post(f"{base}/holds/{held.json()['id']}/confirm", headers=person.headers)
    assert confirm.status_code == 402, confirm.text
    data: dict[str, Any] = confirm.json()["error"]["data"]
    return data


async def _my_bookings(shop: Shop, person: Account) -> list[dict[str, Any]]:
    response = await shop.client.get(
        f"/api/v1/orgs/{shop.slug}/me/bookings", headers=person.headers
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def _lapse(shop: Shop, hold_id: str) -> None:
    """The hold's time runs out (as if the payment page were left open too long)."""
    async with shop.database.sessions() as session:
        await session.execute(
            text(
                "UPDATE bookings SET hold_expires_at = now() - interval '1 second' WHERE id = :id"
            ),
            {"id": hold_id},
        )
        await session.commit()


async def _pay(shop: Shop, checkout: dict[str, Any]) -> str:
    session = shop.stripe.pay_checkout(shop.checkout_ref(checkout))
    await shop.deliver_and_run(shop.stripe.completed_event(session["id"]))
    return str(session["payment_intent"])


class TestCheckoutForAHold:
    async def test_the_402_carries_a_checkout_and_the_hold_waits_for_it(self, shop: Shop) -> None:
        session_id = await _class(shop.client, shop.studio, capacity=3)
        data = await _unpaid_hold(
            shop.client, shop.studio, await _newcomer(shop.client, shop.studio), session_id
        )
        checkout = data["checkout"]
        stripe_session = shop.stripe.checkout_session(shop.checkout_ref(checkout))
        assert stripe_session["amount_total"] == 2000
        held_until = datetime.fromisoformat(data["hold_expires_at"])
        assert held_until == datetime.fromisoformat(checkout["expires_at"])
        order = await shop.order(checkout["order_id"])
        assert (order["status"], order["plan_kind"]) == ("pending", "drop_in")

    async def test_asking_again_gives_the_same_checkout(self, shop: Shop) -> None:
        session_id = await _class(shop.client, shop.studio, capacity=3)
        person = await _newcomer(shop.client, shop.studio)
        first = await _unpaid_hold(shop.client, shop.studio, person, session_id)
        again = await shop.client.post(
            f"/api/v1/orgs/{shop.slug}/holds/{first['hold_id']}/confirm", headers=person.headers
        )
        assert again.json()["error"]["data"]["checkout"] == first["checkout"]

    async def test_paying_confirms_the_held_spot(self, shop: Shop) -> None:
        session_id = await _class(shop.client, shop.studio, capacity=3)
        person = await _newcomer(shop.client, shop.studio)
        data = await _unpaid_hold(shop.client, shop.studio, person, session_id)
        await _pay(shop, data["checkout"])
        [booking] = await _my_bookings(shop, person)
        assert (booking["id"], booking["status"]) == (data["hold_id"], "confirmed")
        assert (await shop.order(data["checkout"]["order_id"]))["status"] == "paid"


class TestLatePayment:
    async def test_books_a_spot_that_is_still_free(self, shop: Shop) -> None:
        session_id = await _class(shop.client, shop.studio, capacity=3)
        person = await _newcomer(shop.client, shop.studio)
        data = await _unpaid_hold(shop.client, shop.studio, person, session_id)
        await _lapse(shop, data["hold_id"])
        await _pay(shop, data["checkout"])
        [booking] = await _my_bookings(shop, person)
        assert booking["status"] == "confirmed"
        assert booking["id"] != data["hold_id"]
        assert (await shop.order(data["checkout"]["order_id"]))["status"] == "paid"

    async def test_is_refunded_in_full_when_the_class_filled_meanwhile(self, shop: Shop) -> None:
        session_id = await _class(shop.client, shop.studio, capacity=1)
        person = await _newcomer(shop.client, shop.studio)
        data = await _unpaid_hold(shop.client, shop.studio, person, session_id)
        await _lapse(shop, data["hold_id"])
        taken = await shop.client.post(
            f"/api/v1/orgs/{shop.slug}/sessions/{session_id}/bookings",
            headers=shop.headers("member"),
        )
        assert taken.status_code == 201, taken.text
        intent = await _pay(shop, data["checkout"])
        order = await shop.order(data["checkout"]["order_id"])
        assert (order["status"], order["refunded_minor"]) == ("refunded", 2000)
        assert [r["status"] for r in order["refunds"]] == ["succeeded"]
        assert shop.refunded_in_stripe(intent) == 2000
        assert await _my_bookings(shop, person) == []
        assert await shop.audit_count("order.refunded", order["id"]) == 1
        emails = await shop.scalar(
            "SELECT count(*) FROM outbound_emails"
            " WHERE to_address = :to AND subject LIKE '%refund%'",
            to=person.email,
        )
        assert emails == 1


class TestWithoutOnlinePayments:
    async def test_the_402_keeps_the_hold_without_a_checkout(
        self, client: httpx.AsyncClient
    ) -> None:
        studio = await studio_with_sale(client)
        session_id = await _class(client, studio, capacity=3)
        person = await _newcomer(client, studio)
        data = await _unpaid_hold(client, studio, person, session_id)
        assert "checkout" not in data
        assert data["drop_in"]["price_minor"] == 2000
