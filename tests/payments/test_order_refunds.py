"""Refunds and voids of desk orders: money back takes back the same share of what the
order granted, from the order's own grant and never more than it still holds; a void
undoes an unused sale whole. Refunds of one order never add up to more than was paid."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.credits import service as credits_service
from fitflow.entitlements.errors import PaymentRequired
from fitflow.kit import time
from fitflow.kit.db import Database
from fitflow.kit.source import Source
from fitflow.memberships import periods as membership_periods
from fitflow.payments import repository
from fitflow.payments.models import Order
from tests.factories import staffed_studio
from tests.payments.conftest import DROP_IN, MONTHLY, NOW, Desk, berlin

TONIGHT = berlin(11, 16, 18)


def instant(value: str | None) -> datetime:
    assert value is not None
    return datetime.fromisoformat(value)


def error(response: httpx.Response) -> dict[str, Any]:
    found: dict[str, Any] = response.json()["error"]
    return found


async def refund_entries(desk: Desk) -> list[dict[str, Any]]:
    """The member's ledger entries written by order refunds."""
    return [
        entry
        for entry in (await desk.credits())["entries"]
        if entry["source_type"] == "order_refund"
    ]


class TestVoid:
    async def test_voiding_an_unused_pack_takes_its_credits_back_and_returns_the_money(
        self, desk: Desk
    ) -> None:
        order = await desk.sell(desk.pack_id)
        voided = await desk.void(order["id"])
        assert voided["status"] == "voided"
        assert voided["refunded_minor"] == voided["amount_minor"] == 12000
        [void] = voided["refunds"]
        assert (void["kind"], void["amount_minor"], void["reason"]) == (
            "void",
            12000,
            "sold by mistake",
        )
        assert void["revoked_units"] == 1000
        assert void["actor_user_id"] == str(desk.studio.accounts["admin"].user_id)
        statement = await desk.credits()
        assert statement["balance_units"] == 0
        assert (await desk.lot(order["granted_lot_id"]))["remaining_units"] == 0
        [entry] = await refund_entries(desk)
        assert (entry["kind"], entry["units"]) == ("adjust", -1000)
        assert entry["source_id"] == void["id"]

    async def test_voiding_an_unused_membership_cancels_it_now(self, desk: Desk) -> None:
        order = await desk.sell(await desk.plan(**MONTHLY))
        voided = await desk.void(order["id"])
        assert (voided["status"], voided["refunded_minor"]) == ("voided", 9000)
        assert instant(voided["refunds"][0]["membership_ends_at"]) == NOW
        membership = (await desk.memberships())[order["granted_membership_id"]]
        assert membership["status"] == "cancelled"
        assert instant(membership["cancel_at"]) == NOW

    async def test_voiding_an_unused_pass_cancels_it_now(self, desk: Desk) -> None:
        order = await desk.sell(await desk.plan(**DROP_IN))
        voided = await desk.void(order["id"])
        assert (voided["status"], voided["refunded_minor"]) == ("voided", 2000)
        membership = (await desk.memberships())[order["granted_membership_id"]]
        assert membership["status"] == "cancelled"

    async def test_a_pack_with_a_credit_used_cannot_be_voided(self, desk: Desk) -> None:
        order = await desk.sell(desk.pack_id)
        await desk.use_credits(100)
        response = await desk.try_void(order["id"])
        assert response.status_code == 409
        assert error(response)["code"] == "order_in_use"
        assert (await desk.order(order["id"]))["status"] == "paid"
        assert (await desk.lot(order["granted_lot_id"]))["remaining_units"] == 900
        assert await refund_entries(desk) == []

    @pytest.mark.parametrize("plan", [MONTHLY, DROP_IN], ids=["membership", "pass"])
    async def test_a_membership_or_pass_used_for_a_class_cannot_be_voided(
        self, desk: Desk, plan: dict[str, object]
    ) -> None:
        order = await desk.sell(await desk.plan(**plan))
        paid = await desk.attend_class(TONIGHT)
        assert str(paid.membership_id) == order["granted_membership_id"]
        response = await desk.try_void(order["id"])
        assert response.status_code == 409
        assert error(response)["code"] == "order_in_use"
        membership = (await desk.memberships())[order["granted_membership_id"]]
        assert (membership["status"], membership["cancel_at"]) == ("active", None)
        assert (await desk.order(order["id"]))["refunds"] == []

    async def test_a_partly_refunded_order_cannot_be_voided(self, desk: Desk) -> None:
        order = await desk.sell(desk.pack_id)
        await desk.refund(order["id"], 1200)
        response = await desk.try_void(order["id"])
        assert response.status_code == 409
        assert error(response)["code"] == "order_not_voidable"
        found = await desk.order(order["id"])
        assert (found["status"], found["refunded_minor"]) == ("partially_refunded", 1200)

    async def test_an_order_is_voided_once(self, desk: Desk) -> None:
        order = await desk.sell(desk.pack_id)
        await desk.void(order["id"])
        response = await desk.try_void(order["id"])
        assert response.status_code == 409
        assert error(response)["code"] == "order_not_voidable"
        assert len((await desk.order(order["id"]))["refunds"]) == 1

    async def test_credits_added_in_another_lot_do_not_make_a_used_pack_voidable(
        self, desk: Desk
    ) -> None:
        order = await desk.sell(desk.pack_id)
        await desk.use_credits(100)
        assert (await desk.adjust(100)).status_code == 201  # a new lot, not the order's
        assert (await desk.try_void(order["id"])).status_code == 409

    async def test_a_pack_that_expired_unused_can_still_be_voided(self, desk: Desk) -> None:
        plan_id = await desk.plan(
            kind="class_pack", name="Day pass", price_minor=2500, credits=1, validity_days=1
        )
        order = await desk.sell(plan_id)
        with time.frozen(berlin(11, 17, 9)):
            await desk.relogin("admin", "member")
            assert (await desk.lot(order["granted_lot_id"]))["counts_now"] is False
            voided = await desk.void(order["id"])
        assert voided["status"] == "voided"
        assert voided["refunds"][0]["revoked_units"] == 0

    async def test_an_unknown_order_is_not_found(self, desk: Desk) -> None:
        response = await desk.try_void(str(uuid.uuid4()))
        assert response.status_code == 404
        assert error(response)["code"] == "order_not_found"


class TestRefundAPack:
    async def test_half_the_money_back_takes_back_half_the_credits(self, desk: Desk) -> None:
        order = await desk.sell(desk.pack_id)
        refunded = await desk.refund(order["id"], 6000)
        assert (refunded["status"], refunded["refunded_minor"]) == ("partially_refunded", 6000)
        [refund] = refunded["refunds"]
        assert (refund["kind"], refund["amount_minor"], refund["revoked_units"]) == (
            "refund",
            6000,
            500,
        )
        assert refund["membership_ends_at"] is None
        assert (await desk.credits())["balance_units"] == 500
        [entry] = await refund_entries(desk)
        assert (entry["kind"], entry["units"], entry["lot_id"]) == (
            "adjust",
            -500,
            order["granted_lot_id"],
        )
        assert entry["source_id"] == refund["id"]

    async def test_partial_refunds_add_up_to_the_share_of_all_the_money_refunded(
        self, desk: Desk
    ) -> None:
        order = await desk.sell(desk.pack_id)
        await desk.refund(order["id"], 6000)
        second = await desk.refund(order["id"], 3000)
        assert (second["status"], second["refunded_minor"]) == ("partially_refunded", 9000)
        assert sorted(r["revoked_units"] for r in second["refunds"]) == [250, 500]
        assert (await desk.credits())["balance_units"] == 250
        last = await desk.refund(order["id"], 3000)
        assert (last["status"], last["refunded_minor"]) == ("refunded", 12000)
        assert sum(r["revoked_units"] for r in last["refunds"]) == 1000
        assert (await desk.credits())["balance_units"] == 0

    async def test_the_share_of_credits_is_rounded_down(self, desk: Desk) -> None:
        order = await desk.sell(desk.pack_id)
        refunded = await desk.refund(order["id"], 100)  # 1000 * 100 / 12000 = 8.33 units
        assert refunded["refunds"][0]["revoked_units"] == 8
        refunded = await desk.refund(order["id"], 100)  # 16.67 in all: 8 more
        assert sorted(r["revoked_units"] for r in refunded["refunds"]) == [8, 8]
        refunded = await desk.refund(order["id"], 100)  # 25 in all: 9 more
        assert sorted(r["revoked_units"] for r in refunded["refunds"]) == [8, 8, 9]

    async def test_after_credits_were_used_only_what_is_left_is_taken_back(
        self, desk: Desk
    ) -> None:
        order = await desk.sell(desk.pack_id)
        await desk.use_credits(800)
        refunded = await desk.refund(order["id"], 6000)
        assert refunded["refunds"][0]["revoked_units"] == 200
        assert (await desk.credits())["balance_units"] == 0
        full = await desk.refund(order["id"], 6000)
        assert full["status"] == "refunded"
        assert sorted(r["revoked_units"] for r in full["refunds"]) == [0, 200]

    async def test_credits_are_taken_only_from_the_orders_own_lot(self, desk: Desk) -> None:
        order = await desk.sell(desk.pack_id)
        await desk.use_credits(800)  # the order's lot expires first
        assert (await desk.adjust(500)).status_code == 201  # goodwill, never expiring
        refunded = await desk.refund(order["id"], 12000)
        assert refunded["refunds"][0]["revoked_units"] == 200
        statement = await desk.credits()
        assert statement["balance_units"] == 500
        goodwill = next(lot for lot in statement["lots"] if lot["id"] != order["granted_lot_id"])
        assert goodwill["remaining_units"] == 500

    async def test_a_refund_after_a_later_partial_use_takes_the_rest_of_its_share(
        self, desk: Desk
    ) -> None:
        order = await desk.sell(desk.pack_id)
        await desk.refund(order["id"], 6000)  # 5 credits back, 5 left
        await desk.use_credits(300)
        refunded = await desk.refund(order["id"], 3000)  # 7.5 owed in all, 2 left to take
        assert sorted(r["revoked_units"] for r in refunded["refunds"]) == [200, 500]
        assert (await desk.credits())["balance_units"] == 0


class TestRefundAMembership:
    @pytest.fixture
    async def monthly(self, desk: Desk) -> dict[str, Any]:
        """A membership from 16 November to 16 December (30 days) for 9000."""
        return await desk.sell(await desk.plan(**MONTHLY))

    async def test_half_the_money_back_keeps_half_the_days(
        self, desk: Desk, monthly: dict[str, Any]
    ) -> None:
        refunded = await desk.refund(monthly["id"], 4500)
        assert (refunded["status"], refunded["refunded_minor"]) == ("partially_refunded", 4500)
        [refund] = refunded["refunds"]
        assert instant(refund["membership_ends_at"]) == berlin(12, 1)
        assert refund["revoked_units"] == 0
        membership = (await desk.memberships())[monthly["granted_membership_id"]]
        assert membership["status"] == "active"
        assert instant(membership["cancel_at"]) == berlin(12, 1)
        assert instant(membership["valid_until"]) == berlin(12, 16)

    async def test_a_second_partial_refund_cuts_it_to_the_share_of_all_the_money_kept(
        self, desk: Desk, monthly: dict[str, Any]
    ) -> None:
        await desk.refund(monthly["id"], 4500)
        refunded = await desk.refund(monthly["id"], 1500)  # 3000 of 9000 kept: 10 days
        ends = sorted(instant(r["membership_ends_at"]) for r in refunded["refunds"])
        assert ends == [berlin(11, 26), berlin(12, 1)]
        membership = (await desk.memberships())[monthly["granted_membership_id"]]
        assert instant(membership["cancel_at"]) == berlin(11, 26)

    async def test_a_full_refund_ends_it_now(self, desk: Desk, monthly: dict[str, Any]) -> None:
        refunded = await desk.refund(monthly["id"], 9000)
        assert (refunded["status"], refunded["refunded_minor"]) == ("refunded", 9000)
        assert instant(refunded["refunds"][0]["membership_ends_at"]) == NOW
        membership = (await desk.memberships())[monthly["granted_membership_id"]]
        assert membership["status"] == "cancelled"
        assert instant(membership["cancel_at"]) == NOW

    async def test_a_share_that_would_end_it_in_the_past_ends_it_now(
        self, desk: Desk, monthly: dict[str, Any]
    ) -> None:
        refunded = await desk.refund(monthly["id"], 8999)  # 1/9000 of 30 days: 4.8 minutes
        assert refunded["status"] == "partially_refunded"
        assert instant(refunded["refunds"][0]["membership_ends_at"]) == NOW
        membership = (await desk.memberships())[monthly["granted_membership_id"]]
        assert membership["status"] == "cancelled"

    async def test_a_used_membership_can_still_be_refunded(
        self, desk: Desk, monthly: dict[str, Any]
    ) -> None:
        await desk.attend_class(TONIGHT)
        refunded = await desk.refund(monthly["id"], 4500)
        assert instant(refunded["refunds"][0]["membership_ends_at"]) == berlin(12, 1)

    async def test_a_pass_is_cut_the_same_way(self, desk: Desk) -> None:
        order = await desk.sell(await desk.plan(**DROP_IN))  # 2000 for 30 days
        refunded = await desk.refund(order["id"], 1000)
        assert instant(refunded["refunds"][0]["membership_ends_at"]) == berlin(12, 1)


class TestWhatCannotBeRefunded:
    async def test_more_than_was_paid_is_refused_and_nothing_changes(self, desk: Desk) -> None:
        order = await desk.sell(desk.pack_id)
        response = await desk.try_refund(order["id"], 12001)
        assert response.status_code == 422
        assert error(response)["code"] == "refund_exceeds_payment"
        assert error(response)["data"] == {"refundable_minor": 12000}
        found = await desk.order(order["id"])
        assert (found["status"], found["refunded_minor"], found["refunds"]) == ("paid", 0, [])
        assert (await desk.credits())["balance_units"] == 1000
        assert await desk.audit("order.refunded") == []

    async def test_refunds_cannot_add_up_to_more_than_was_paid(self, desk: Desk) -> None:
        order = await desk.sell(desk.pack_id)
        await desk.refund(order["id"], 5000)
        response = await desk.try_refund(order["id"], 7001)
        assert response.status_code == 422
        assert error(response)["data"] == {"refundable_minor": 7000}
        found = await desk.order(order["id"])
        assert (found["status"], found["refunded_minor"]) == ("partially_refunded", 5000)
        assert len(found["refunds"]) == 1
        assert (await desk.credits())["balance_units"] == 584  # 1000 - floor(416.67)

    async def test_nothing_is_left_to_refund_on_a_refunded_order(self, desk: Desk) -> None:
        order = await desk.sell(desk.pack_id)
        await desk.refund(order["id"], 12000)
        response = await desk.try_refund(order["id"], 1)
        assert response.status_code == 422
        assert error(response)["data"] == {"refundable_minor": 0}

    async def test_a_voided_order_cannot_be_refunded(self, desk: Desk) -> None:
        order = await desk.sell(desk.pack_id)
        await desk.void(order["id"])
        response = await desk.try_refund(order["id"], 1000)
        assert response.status_code == 409
        assert error(response)["code"] == "order_voided"
        assert len((await desk.order(order["id"]))["refunds"]) == 1

    @pytest.mark.parametrize("amount", [0, -100])
    async def test_a_refund_gives_some_money_back(self, desk: Desk, amount: int) -> None:
        order = await desk.sell(desk.pack_id)
        assert (await desk.try_refund(order["id"], amount)).status_code == 422

    async def test_an_unknown_order_is_not_found(self, desk: Desk) -> None:
        response = await desk.try_refund(str(uuid.uuid4()), 1000)
        assert response.status_code == 404
        assert error(response)["code"] == "order_not_found"

    async def test_another_studios_order_is_not_found(
        self, desk: Desk, client: httpx.AsyncClient
    ) -> None:
        other = await staffed_studio(client)
        sold = await client.post(
            f"/api/v1/orgs/{other.slug}/orders",
            headers=other.accounts["owner"].headers,
            json={"member_id": other.member_id, "plan_id": other.plan_id, "method": "cash"},
        )
        assert sold.status_code == 201, sold.text
        response = await desk.try_refund(sold.json()["id"], 1000, role="owner")
        assert response.status_code == 404
        response = await desk.try_void(sold.json()["id"], role="owner")
        assert response.status_code == 404


class TestPermissions:
    @pytest.mark.parametrize("role", ["receptionist", "trainer", "member"])
    async def test_only_admins_and_owners_refund(self, desk: Desk, role: str) -> None:
        order = await desk.sell(desk.pack_id)
        response = await desk.try_refund(order["id"], 1000, role=role)
        assert response.status_code == 403
        assert error(response)["code"] == "permission_denied"
        assert (await desk.order(order["id"]))["refunded_minor"] == 0

    @pytest.mark.parametrize("role", ["receptionist", "trainer", "member"])
    async def test_only_admins_and_owners_void(self, desk: Desk, role: str) -> None:
        order = await desk.sell(desk.pack_id)
        response = await desk.try_void(order["id"], role=role)
        assert response.status_code == 403
        assert error(response)["code"] == "permission_denied"
        assert (await desk.order(order["id"]))["status"] == "paid"

    @pytest.mark.parametrize("role", ["admin", "owner"])
    async def test_admins_and_owners_refund_and_void(self, desk: Desk, role: str) -> None:
        refunded = await desk.sell(desk.pack_id)
        response = await desk.try_refund(refunded["id"], 1000, role=role)
        assert response.status_code == 200, response.text
        voided = await desk.sell(desk.pack_id)
        response = await desk.try_void(voided["id"], role=role)
        assert response.status_code == 200, response.text


class TestAudit:
    async def test_a_refund_is_audited_with_what_it_took_back(self, desk: Desk) -> None:
        order = await desk.sell(desk.pack_id)
        await desk.refund(order["id"], 6000)
        [entry] = await desk.audit("order.refunded")
        assert (entry["subject_type"], entry["subject_id"]) == ("order", order["id"])
        assert entry["actor_user_id"] == str(desk.studio.accounts["admin"].user_id)
        assert entry["data"] == {
            "amount_minor": 6000,
            "reason": "moving away",
            "revoked_units": 500,
            "membership_ends_at": None,
            "origin": "staff",
            "status": "succeeded",
        }

    async def test_a_void_is_audited(self, desk: Desk) -> None:
        order = await desk.sell(await desk.plan(**MONTHLY))
        await desk.void(order["id"])
        [entry] = await desk.audit("order.voided")
        assert (entry["subject_type"], entry["subject_id"]) == ("order", order["id"])
        assert entry["data"]["amount_minor"] == 9000
        assert instant(entry["data"]["membership_ends_at"]) == NOW
        assert await desk.audit("order.refunded") == []

    async def test_a_refused_refund_or_void_is_not_audited(self, desk: Desk) -> None:
        order = await desk.sell(desk.pack_id)
        await desk.use_credits(100)
        assert (await desk.try_void(order["id"])).status_code == 409
        assert (await desk.try_refund(order["id"], 99999)).status_code == 422
        assert await desk.audit("order.voided") == []
        assert await desk.audit("order.refunded") == []


# Races, with real commits on separate connections. Each test slows one step down with
# a pause, so that the two requests surely overlap where a missing lock would let them
# both act on what they read; each has a negative control showing the race is real.

PAUSE = 0.5


@pytest.fixture
async def committed_desk(committed_client: httpx.AsyncClient, committed_database: Database) -> Desk:
    return Desk(committed_client, committed_database, await staffed_studio(committed_client))


def _pause_order_reads(monkeypatch: pytest.MonkeyPatch, *, lock_override: bool | None) -> None:
    """Reading an order pauses before anything is done with it; with `lock_override`
    False the row lock the caller asked for is dropped (the negative control)."""
    original = repository.by_id

    async def paused(
        session: AsyncSession,
        organization_id: uuid.UUID,
        order_id: uuid.UUID,
        *,
        lock: bool = False,
    ) -> Order | None:
        take_lock = lock if lock_override is None else lock_override
        found = await original(session, organization_id, order_id, lock=take_lock)
        await asyncio.sleep(PAUSE)
        return found

    monkeypatch.setattr(repository, "by_id", paused)


@pytest.fixture
def slow_order_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    _pause_order_reads(monkeypatch, lock_override=None)


@pytest.fixture
def unlocked_order_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    _pause_order_reads(monkeypatch, lock_override=False)


async def two_refunds_at_once(desk: Desk, order_id: str) -> list[httpx.Response]:
    return list(
        await asyncio.gather(desk.try_refund(order_id, 7000), desk.try_refund(order_id, 7000))
    )


class TestConcurrentRefunds:
    async def test_two_refunds_at_once_never_exceed_the_payment(
        self, committed_desk: Desk, slow_order_reads: None
    ) -> None:
        desk = committed_desk
        order = await desk.sell(desk.pack_id)
        responses = await two_refunds_at_once(desk, order["id"])
        assert sorted(response.status_code for response in responses) == [200, 422]
        refused = next(response for response in responses if response.status_code == 422)
        assert error(refused) == {
            "code": "refund_exceeds_payment",
            "message": error(refused)["message"],
            "data": {"refundable_minor": 5000},
        }
        found = await desk.order(order["id"])
        assert (found["status"], found["refunded_minor"]) == ("partially_refunded", 7000)
        assert [r["amount_minor"] for r in found["refunds"]] == [7000]
        assert (await desk.credits())["balance_units"] == 1000 - 583

    async def test_the_race_catches_refunds_that_take_no_lock(
        self, committed_desk: Desk, unlocked_order_reads: None
    ) -> None:
        """Negative control: without the order's row lock both refunds go through, so a
        pass of the test above means the lock works, not that the race never happened."""
        desk = committed_desk
        order = await desk.sell(desk.pack_id)
        responses = await two_refunds_at_once(desk, order["id"])
        assert [response.status_code for response in responses] == [200, 200]
        found = await desk.order(order["id"])
        assert sum(r["amount_minor"] for r in found["refunds"]) == 14000 > found["amount_minor"]


@pytest.fixture
def slow_take_back(monkeypatch: pytest.MonkeyPatch) -> None:
    """Taking a grant back pauses before it touches the lot or the membership."""
    revoke, cut_short = credits_service.revoke_grant, membership_periods.cut_short

    async def slow_revoke(session: AsyncSession, **kwargs: Any) -> int:
        await asyncio.sleep(PAUSE)
        return await revoke(session, **kwargs)

    async def slow_cut_short(session: AsyncSession, *args: Any) -> datetime:
        await asyncio.sleep(PAUSE)
        return await cut_short(session, *args)

    monkeypatch.setattr(credits_service, "revoke_grant", slow_revoke)
    monkeypatch.setattr(membership_periods, "cut_short", slow_cut_short)


async def shortly(step: Any) -> Any:
    """Run `step` once the void is surely under way."""
    await asyncio.sleep(PAUSE / 5)
    return await step


class TestVoidWhileInUse:
    async def test_a_credit_used_while_a_void_is_under_way_stops_the_void(
        self, committed_desk: Desk, slow_take_back: None
    ) -> None:
        desk = committed_desk
        order = await desk.sell(desk.pack_id)
        void, used = await asyncio.gather(desk.try_void(order["id"]), shortly(desk.adjust(-100)))
        assert used.status_code == 201, used.text
        assert void.status_code == 409, void.text
        assert error(void)["code"] == "order_in_use"
        found = await desk.order(order["id"])
        assert (found["status"], found["refunds"]) == ("paid", [])
        assert (await desk.lot(order["granted_lot_id"]))["remaining_units"] == 900

    @pytest.mark.parametrize("class_first", [True, False], ids=["class first", "void first"])
    async def test_a_void_and_a_class_paid_at_once_never_both_succeed(
        self, committed_desk: Desk, slow_take_back: None, class_first: bool
    ) -> None:
        """The void locks the membership before it checks it; whichever of the two gets
        the lock first wins, and the other sees what it did."""
        desk = committed_desk
        order = await desk.sell(await desk.plan(**MONTHLY))
        attend = desk.attend_class(time.now() + timedelta(hours=1))
        void_step = desk.try_void(order["id"])
        outcomes: list[object] = await asyncio.gather(
            shortly(void_step) if class_first else void_step,
            attend if class_first else shortly(attend),
            return_exceptions=True,
        )
        void, paid = outcomes
        membership = (await desk.memberships())[order["granted_membership_id"]]
        assert isinstance(void, httpx.Response)
        if isinstance(paid, PaymentRequired):
            assert void.status_code == 200, void.text
            assert (membership["status"], membership["classes_used"]) == ("cancelled", 0)
        else:
            assert str(getattr(paid, "membership_id", None)) == order["granted_membership_id"]
            assert void.status_code == 409, void.text
            assert error(void)["code"] == "order_in_use"
            assert (membership["status"], membership["classes_used"]) == ("active", 1)


class TestCreditsInUseWhenRefunded:
    async def test_a_class_cancelled_after_its_pack_was_refunded_gives_no_credit_back(
        self, desk: Desk
    ) -> None:
        """The refund could take only the unused credits; the one in use is owed, and
        settles when the class refunds it to the lot."""
        order = await desk.sell(desk.pack_id)
        booking = Source("booking", "cancelled-later")
        await desk.charge(booking)
        refunded = await desk.refund(order["id"], 12000)
        assert refunded["refunds"][0]["revoked_units"] == 900
        await desk.refund_charge(booking, percent=100)
        statement = await desk.credits()
        assert statement["balance_units"] == 0
        [lot] = statement["lots"]
        assert lot["remaining_units"] == 0
        kinds = sorted((e["kind"], e["units"]) for e in statement["entries"])
        assert kinds == [
            ("adjust", -900),
            ("adjust", -100),
            ("consume", -100),
            ("grant", 1000),
            ("refund", 100),
        ]

    async def test_only_what_is_owed_is_settled_and_the_rest_comes_back(self, desk: Desk) -> None:
        order = await desk.sell(desk.pack_id)
        first, second = Source("booking", "one"), Source("booking", "two")
        await desk.charge(first)
        await desk.charge(second)
        await desk.refund(order["id"], 1200)  # a tenth: 1 credit, taken from the 8 unused
        await desk.refund_charge(first, percent=100)
        assert (await desk.credits())["balance_units"] == 800
