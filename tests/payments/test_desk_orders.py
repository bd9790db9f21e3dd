"""Desk sales: the desk records a plan paid in cash or by card terminal, at the plan's
price, and the order grants what the plan sells in the same transaction: a credit lot, a
membership or a one-class pass."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from fitflow.kit import time
from tests.factories import account, staffed_studio
from tests.payments.conftest import BERLIN, DROP_IN, MONTHLY, NOW, Desk, berlin


def instant(value: str | None) -> datetime:
    assert value is not None
    return datetime.fromisoformat(value)


def error_code(response: httpx.Response) -> str:
    code: str = response.json()["error"]["code"]
    return code


class TestSellAPack:
    async def test_a_pack_is_paid_at_its_price_and_grants_a_lot_of_its_credits(
        self, desk: Desk
    ) -> None:
        order = await desk.sell(desk.pack_id, method="card_terminal", note="paid at the bar")
        assert order["status"] == "paid"
        assert (order["amount_minor"], order["currency"], order["refunded_minor"]) == (
            12000,
            "EUR",
            0,
        )
        assert (order["plan_kind"], order["description"]) == ("class_pack", "10 classes")
        assert (order["method"], order["note"]) == ("card_terminal", "paid at the bar")
        assert order["created_by_user_id"] == str(desk.studio.accounts["receptionist"].user_id)
        assert order["member_id"] == desk.member_id
        assert order["granted_membership_id"] is None
        assert instant(order["paid_at"]) == NOW
        statement = await desk.credits()
        assert (statement["balance_units"], statement["balance"]) == (1000, "10")
        [lot] = statement["lots"]
        assert lot["id"] == order["granted_lot_id"]
        assert (lot["granted_units"], lot["remaining_units"]) == (1000, 1000)
        [entry] = statement["entries"]
        assert (entry["kind"], entry["units"], entry["lot_id"]) == ("grant", 1000, lot["id"])
        assert (entry["source_type"], entry["source_id"]) == ("order", order["id"])

    async def test_the_lot_expires_at_the_end_of_the_last_local_day_of_its_validity(
        self, desk: Desk
    ) -> None:
        order = await desk.sell(desk.pack_id)  # Monday 16 November 2026, 08:00, 90 days
        lot = await desk.lot(order["granted_lot_id"])
        assert instant(lot["expires_at"]) == berlin(2, 14, year=2027)
        assert lot["valid_days_after_first_use"] is None

    async def test_across_a_change_to_summer_time_the_lot_still_expires_at_local_midnight(
        self, desk: Desk
    ) -> None:
        plan_id = await desk.plan(
            kind="class_pack", name="5 classes", price_minor=6500, credits=5, validity_days=30
        )
        with time.frozen(berlin(3, 20, 10)):  # Berlin moves to summer time on 29 March
            order = await desk.sell(plan_id)
        lot = await desk.lot(order["granted_lot_id"])
        expires_at = instant(lot["expires_at"])
        assert expires_at == berlin(4, 19)
        assert expires_at.astimezone(BERLIN).utcoffset() == timedelta(hours=2)
        assert expires_at.isoformat() == "2026-04-18T22:00:00+00:00"

    async def test_a_pack_valid_from_first_use_starts_no_clock_when_sold(self, desk: Desk) -> None:
        plan_id = await desk.plan(
            kind="class_pack",
            name="5 classes, first use",
            price_minor=6500,
            credits=5,
            validity_days=60,
            validity_starts="first_use",
        )
        order = await desk.sell(plan_id)
        lot = await desk.lot(order["granted_lot_id"])
        assert (lot["expires_at"], lot["valid_days_after_first_use"]) == (None, 60)
        assert lot["remaining_units"] == 500


class TestSellAMembership:
    async def test_a_monthly_plan_grants_a_membership_from_today_to_the_same_day_next_month(
        self, desk: Desk
    ) -> None:
        plan_id = await desk.plan(**MONTHLY)
        order = await desk.sell(plan_id)
        assert (order["plan_kind"], order["amount_minor"]) == ("unlimited", 9000)
        assert order["granted_lot_id"] is None
        membership = (await desk.memberships())[order["granted_membership_id"]]
        assert (membership["kind"], membership["status"]) == ("unlimited", "active")
        assert membership["plan_id"] == plan_id
        assert instant(membership["valid_from"]) == berlin(11, 16)
        assert instant(membership["valid_until"]) == berlin(12, 16)
        assert membership["class_allowance"] is None
        assert membership["cancel_at"] is None

    async def test_a_plan_of_fixed_days_grants_that_many_local_days(self, desk: Desk) -> None:
        plan_id = await desk.plan(
            kind="unlimited", name="Week pass", price_minor=3500, validity_days=7
        )
        order = await desk.sell(plan_id)
        membership = (await desk.memberships())[order["granted_membership_id"]]
        assert instant(membership["valid_from"]) == berlin(11, 16)
        assert instant(membership["valid_until"]) == berlin(11, 23)

    async def test_the_credits_of_a_member_are_left_alone(self, desk: Desk) -> None:
        await desk.sell(await desk.plan(**MONTHLY))
        assert (await desk.credits())["lots"] == []


class TestSellADropIn:
    async def test_a_drop_in_grants_a_pass_for_one_class(self, desk: Desk) -> None:
        order = await desk.sell(await desk.plan(**DROP_IN))
        assert order["plan_kind"] == "drop_in"
        membership = (await desk.memberships())[order["granted_membership_id"]]
        assert (membership["kind"], membership["status"]) == ("drop_in", "active")
        assert (membership["class_allowance"], membership["classes_used"]) == (1, 0)
        assert instant(membership["valid_from"]) == berlin(11, 16)
        assert instant(membership["valid_until"]) == berlin(12, 16)  # 30 days by default

    async def test_someone_without_a_membership_pays_the_non_member_price(self, desk: Desk) -> None:
        order = await desk.sell(await desk.plan(**DROP_IN))
        assert order["amount_minor"] == 2000

    async def test_a_member_with_a_current_unlimited_membership_pays_the_member_price(
        self, desk: Desk
    ) -> None:
        await desk.sell(await desk.plan(**MONTHLY))
        order = await desk.sell(await desk.plan(**DROP_IN))
        assert order["amount_minor"] == 1500

    async def test_a_pass_or_a_pack_does_not_make_someone_a_member(self, desk: Desk) -> None:
        drop_in = await desk.plan(**DROP_IN)
        await desk.sell(drop_in)
        await desk.sell(desk.pack_id)
        assert (await desk.sell(drop_in))["amount_minor"] == 2000

    async def test_a_membership_ended_by_a_full_refund_no_longer_earns_the_member_price(
        self, desk: Desk
    ) -> None:
        monthly = await desk.sell(await desk.plan(**MONTHLY))
        await desk.refund(monthly["id"], 9000)
        assert (await desk.sell(await desk.plan(**DROP_IN)))["amount_minor"] == 2000

    async def test_a_drop_in_without_a_non_member_price_costs_everyone_the_same(
        self, desk: Desk
    ) -> None:
        body = {k: v for k, v in DROP_IN.items() if k != "non_member_price_minor"}
        assert (await desk.sell(await desk.plan(**body)))["amount_minor"] == 1500


class TestWhatCannotBeSold:
    async def test_an_archived_plan_is_not_on_sale(self, desk: Desk) -> None:
        await desk.archive(desk.pack_id)
        response = await desk.try_sell(desk.pack_id)
        assert response.status_code == 409
        assert error_code(response) == "plan_not_on_sale"
        assert await orders_of(desk) == []
        assert (await desk.credits())["lots"] == []

    async def test_an_unknown_member_is_not_found(self, desk: Desk) -> None:
        response = await desk.try_sell(desk.pack_id, member_id=desk.pack_id)
        assert response.status_code == 404
        assert error_code(response) == "member_not_found"

    async def test_a_member_of_another_studio_is_not_found(
        self, desk: Desk, client: httpx.AsyncClient
    ) -> None:
        other = await staffed_studio(client)
        response = await desk.try_sell(desk.pack_id, member_id=other.member_id)
        assert response.status_code == 404
        assert error_code(response) == "member_not_found"

    async def test_an_unknown_plan_is_not_found(self, desk: Desk) -> None:
        response = await desk.try_sell(desk.member_id)
        assert response.status_code == 404
        assert error_code(response) == "plan_not_found"

    async def test_a_plan_of_another_studio_is_not_found(
        self, desk: Desk, client: httpx.AsyncClient
    ) -> None:
        other = await staffed_studio(client)
        response = await desk.try_sell(other.plan_id)
        assert response.status_code == 404
        assert error_code(response) == "plan_not_found"
        assert await orders_of(desk) == []

    @pytest.mark.parametrize("method", ["stripe", "voucher", ""])
    async def test_only_cash_or_the_card_terminal_are_taken_at_the_desk(
        self, desk: Desk, method: str
    ) -> None:
        response = await desk.try_sell(desk.pack_id, method=method)
        assert response.status_code == 422

    async def test_the_price_is_set_by_the_plan_not_the_desk(self, desk: Desk) -> None:
        response = await desk.try_sell(desk.pack_id, amount_minor=1)
        assert response.status_code == 422


class TestIntroOffer:
    @pytest.fixture
    async def intro(self, desk: Desk) -> str:
        return await desk.plan(
            kind="class_pack",
            name="Intro: 3 classes",
            price_minor=2900,
            credits=3,
            validity_days=30,
            intro_offer=True,
        )

    async def test_an_intro_offer_sells_once_per_member(self, desk: Desk, intro: str) -> None:
        first = await desk.sell(intro)
        assert first["intro_offer"] is True
        response = await desk.try_sell(intro)
        assert response.status_code == 409
        assert error_code(response) == "intro_offer_already_used"
        assert [order["id"] for order in await orders_of(desk)] == [first["id"]]
        assert (await desk.credits())["balance_units"] == 300

    async def test_another_member_may_still_buy_it(
        self, desk: Desk, intro: str, client: httpx.AsyncClient
    ) -> None:
        await desk.sell(intro)
        newcomer = await account(client)
        joined = await client.post(f"/api/v1/orgs/{desk.slug}/join", headers=newcomer.headers)
        assert joined.status_code == 201, joined.text
        order = await desk.sell(intro, member_id=joined.json()["id"])
        assert order["amount_minor"] == 2900

    async def test_a_voided_intro_order_frees_the_offer(self, desk: Desk, intro: str) -> None:
        first = await desk.sell(intro)
        await desk.void(first["id"])
        again = await desk.sell(intro)
        assert again["status"] == "paid"
        assert (await desk.credits())["balance_units"] == 300

    async def test_a_refunded_intro_order_still_counts(self, desk: Desk, intro: str) -> None:
        first = await desk.sell(intro)
        await desk.refund(first["id"], 2900)
        response = await desk.try_sell(intro)
        assert response.status_code == 409
        assert error_code(response) == "intro_offer_already_used"

    async def test_plans_that_are_not_intro_offers_sell_again_and_again(self, desk: Desk) -> None:
        await desk.sell(desk.pack_id)
        await desk.sell(desk.pack_id)
        assert (await desk.credits())["balance_units"] == 2000


async def orders_of(desk: Desk, **params: str) -> list[dict[str, Any]]:
    response = await desk.client.get(
        desk.url("/orders"), headers=desk.headers("receptionist"), params=params
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


class TestReadOrders:
    async def test_orders_are_listed_newest_first(self, desk: Desk) -> None:
        first = await desk.sell(desk.pack_id)
        with time.frozen(NOW + timedelta(minutes=5)):
            second = await desk.sell(await desk.plan(**MONTHLY))
        assert [order["id"] for order in await orders_of(desk)] == [second["id"], first["id"]]

    async def test_the_list_can_be_narrowed_to_one_member(
        self, desk: Desk, client: httpx.AsyncClient
    ) -> None:
        newcomer = await account(client)
        joined = await client.post(f"/api/v1/orgs/{desk.slug}/join", headers=newcomer.headers)
        theirs = await desk.sell(desk.pack_id, member_id=joined.json()["id"])
        ours = await desk.sell(desk.pack_id)
        listed = await orders_of(desk, member_id=desk.member_id)
        assert [order["id"] for order in listed] == [ours["id"]]
        listed = await orders_of(desk, member_id=joined.json()["id"])
        assert [order["id"] for order in listed] == [theirs["id"]]

    async def test_one_order_is_read_with_its_refunds(self, desk: Desk) -> None:
        order = await desk.sell(desk.pack_id)
        refunded = await desk.refund(order["id"], 1200)
        found = await desk.order(order["id"])
        assert found == refunded
        [refund] = found["refunds"]
        assert (refund["kind"], refund["amount_minor"], refund["reason"]) == (
            "refund",
            1200,
            "moving away",
        )

    async def test_listed_orders_show_their_refunds_too(self, desk: Desk) -> None:
        refunded = await desk.sell(desk.pack_id)
        await desk.refund(refunded["id"], 6000)
        untouched = await desk.sell(desk.pack_id)
        listed = {order["id"]: order for order in await orders_of(desk)}
        assert listed[refunded["id"]] == await desk.order(refunded["id"])
        assert [r["amount_minor"] for r in listed[refunded["id"]]["refunds"]] == [6000]
        assert listed[untouched["id"]]["refunds"] == []

    async def test_an_unknown_order_is_not_found(self, desk: Desk) -> None:
        response = await desk.client.get(
            desk.url(f"/orders/{desk.pack_id}"), headers=desk.headers("receptionist")
        )
        assert response.status_code == 404
        assert error_code(response) == "order_not_found"

    async def test_another_studios_order_is_not_found_and_not_listed(
        self, desk: Desk, client: httpx.AsyncClient
    ) -> None:
        other = await staffed_studio(client)
        owner = other.accounts["owner"]
        sold = await client.post(
            f"/api/v1/orgs/{other.slug}/orders",
            headers=owner.headers,
            json={"member_id": other.member_id, "plan_id": other.plan_id, "method": "cash"},
        )
        assert sold.status_code == 201, sold.text
        response = await desk.client.get(
            desk.url(f"/orders/{sold.json()['id']}"), headers=desk.headers("owner")
        )
        assert response.status_code == 404
        assert await orders_of(desk) == []


class TestPermissions:
    @pytest.mark.parametrize("role", ["receptionist", "admin", "owner"])
    async def test_the_desk_staff_sell(self, desk: Desk, role: str) -> None:
        response = await desk.try_sell(desk.pack_id, role=role)
        assert response.status_code == 201, response.text
        assert response.json()["created_by_user_id"] == str(desk.studio.accounts[role].user_id)

    async def test_a_member_cannot_sell_even_to_themself(self, desk: Desk) -> None:
        response = await desk.try_sell(desk.pack_id, role="member")
        assert response.status_code == 403
        assert error_code(response) == "permission_denied"
        assert (await desk.credits())["lots"] == []

    async def test_a_member_cannot_read_orders_not_even_their_own(self, desk: Desk) -> None:
        order = await desk.sell(desk.pack_id)
        member = desk.headers("member")
        listing = await desk.client.get(desk.url("/orders"), headers=member)
        one = await desk.client.get(desk.url(f"/orders/{order['id']}"), headers=member)
        assert (listing.status_code, one.status_code) == (403, 403)


class TestAudit:
    async def test_a_sale_is_audited_with_its_member_and_amount(self, desk: Desk) -> None:
        order = await desk.sell(await desk.plan(**DROP_IN))
        [entry] = await desk.audit("order.created")
        assert (entry["subject_type"], entry["subject_id"]) == ("order", order["id"])
        assert entry["actor_user_id"] == str(desk.studio.accounts["receptionist"].user_id)
        assert entry["data"] == {"member_id": desk.member_id, "amount_minor": 2000}

    async def test_a_refused_sale_is_not_audited(self, desk: Desk) -> None:
        await desk.archive(desk.pack_id)
        assert (await desk.try_sell(desk.pack_id)).status_code == 409
        assert await desk.audit("order.created") == []
