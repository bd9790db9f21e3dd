"""Paying for a class and giving it back: memberships before credits, weekly caps, class
types, freezes, cancellations, passes, priced credits, the drop-in offer, idempotent
charges and refunds to the lots that paid."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from fitflow.entitlements.errors import PaymentRequired
from fitflow.entitlements.schemas import ChargeRead, ClassTerms, Quote, RefundOutcome
from fitflow.kit import time
from fitflow.kit.source import Source
from tests.entitlements.conftest import (
    CREDIT,
    SPIN,
    YOGA,
    Desk,
    berlin,
    booking,
    spin,
    yoga,
)

TUESDAY, WEDNESDAY, THURSDAY = berlin(17, 10), berlin(18, 10), berlin(19, 10)
PACK = 10 * CREDIT
PEAK = {
    "name": "peak",
    "weekdays": ["mon", "tue", "wed", "thu", "fri"],
    "starts": "17:00",
    "ends": "21:00",
    "credit_percent": 150,
}
EARLY = {**PEAK, "name": "early", "starts": "06:00", "ends": "09:00", "credit_percent": 50}
FREE = {**PEAK, "name": "open mat", "weekdays": ["sat"], "starts": "10:00", "ends": "12:00"}
FREE["credit_percent"] = 0


async def refused(desk: Desk, terms: ClassTerms, source: Source) -> PaymentRequired:
    with pytest.raises(PaymentRequired) as raised:
        await desk.charge(terms, source)
    return raised.value


class TestMembershipBeforeCredits:
    async def test_a_membership_pays_before_credits(self, desk: Desk) -> None:
        membership_id = await desk.unlimited()
        lot_id = await desk.pack()
        assert await desk.quote(yoga(TUESDAY)) == Quote(
            method="membership", membership_id=membership_id
        )
        paid = await desk.charge(yoga(TUESDAY), booking("b1"))
        assert paid == ChargeRead(
            method="membership", membership_id=membership_id, credit_units=None
        )
        assert await desk.remaining(lot_id) == PACK
        assert await desk.entries(booking("b1")) == []
        assert (await desk.membership(membership_id)).classes_used == 1

    async def test_an_unlimited_membership_pays_before_a_pass(self, desk: Desk) -> None:
        pass_id = await desk.pass_()
        membership_id = await desk.unlimited()
        paid = await desk.charge(yoga(TUESDAY), booking("b1"))
        assert paid.membership_id == membership_id
        assert (await desk.membership(pass_id)).classes_used == 0

    async def test_credits_pay_when_no_membership_is_held(self, desk: Desk) -> None:
        lot_id = await desk.pack()
        paid = await desk.charge(yoga(TUESDAY), booking("b1"))
        assert paid == ChargeRead(method="credits", membership_id=None, credit_units=CREDIT)
        assert await desk.remaining(lot_id) == PACK - CREDIT
        assert await desk.entries(booking("b1")) == [("consume", lot_id, -CREDIT)]

    async def test_a_quote_pays_nothing(self, desk: Desk) -> None:
        membership_id = await desk.unlimited()
        lot_id = await desk.pack()
        await desk.quote(yoga(TUESDAY))
        assert (await desk.membership(membership_id)).classes_used == 0
        assert await desk.remaining(lot_id) == PACK
        assert await desk.charges() == []


class TestWeeklyCap:
    async def test_a_reached_weekly_cap_falls_back_to_credits(self, desk: Desk) -> None:
        membership_id = await desk.unlimited(weekly_class_cap=2)
        lot_id = await desk.pack()
        assert (await desk.charge(yoga(TUESDAY), booking("b1"))).method == "membership"
        assert (await desk.charge(yoga(WEDNESDAY), booking("b2"))).method == "membership"
        third = await desk.charge(yoga(THURSDAY), booking("b3"))
        assert third == ChargeRead(method="credits", membership_id=None, credit_units=CREDIT)
        assert await desk.remaining(lot_id) == PACK - CREDIT
        assert (await desk.membership(membership_id)).classes_used == 2

    async def test_a_reached_weekly_cap_without_credits_requires_payment(self, desk: Desk) -> None:
        await desk.unlimited(weekly_class_cap=1)
        await desk.charge(yoga(TUESDAY), booking("b1"))
        error = await refused(desk, yoga(WEDNESDAY), booking("b2"))
        assert error.data["reasons"] == ["weekly_cap_reached", "not_enough_credits"]

    async def test_the_cap_counts_the_local_monday_to_monday_week(self, desk: Desk) -> None:
        """Sunday 23:30 in Berlin is still the capped week; Monday 00:30 (Sunday 23:30
        UTC) starts a new one."""
        membership_id = await desk.unlimited(weekly_class_cap=1)
        await desk.charge(yoga(TUESDAY), booking("b1"))
        sunday_night = berlin(22, 23, 30)
        assert (await desk.quote(yoga(sunday_night))).method == "payment_required"
        monday_small_hours = berlin(23, 0, 30)
        assert monday_small_hours.astimezone(UTC).day == 22
        assert await desk.quote(yoga(monday_small_hours)) == Quote(
            method="membership", membership_id=membership_id
        )

    async def test_a_reached_weekly_cap_falls_back_to_a_pass_before_credits(
        self, desk: Desk
    ) -> None:
        await desk.unlimited(weekly_class_cap=1)
        pass_id = await desk.pass_()
        lot_id = await desk.pack()
        await desk.charge(yoga(TUESDAY), booking("b1"))
        assert (await desk.charge(yoga(WEDNESDAY), booking("b2"))).membership_id == pass_id
        assert await desk.remaining(lot_id) == PACK

    async def test_a_full_refund_frees_the_weekly_cap(self, desk: Desk) -> None:
        membership_id = await desk.unlimited(weekly_class_cap=2)
        await desk.pack()
        await desk.charge(yoga(TUESDAY), booking("b1"))
        await desk.charge(yoga(WEDNESDAY), booking("b2"))
        assert (await desk.quote(yoga(THURSDAY))).method == "credits"
        await desk.refund(booking("b1"), 100)
        paid = await desk.charge(yoga(THURSDAY), booking("b3"))
        assert paid.method == "membership"
        assert paid.membership_id == membership_id

    async def test_a_partial_refund_keeps_the_week_s_use(self, desk: Desk) -> None:
        await desk.unlimited(weekly_class_cap=1)
        await desk.charge(yoga(TUESDAY), booking("b1"))
        await desk.refund(booking("b1"), 50)
        assert (await desk.quote(yoga(THURSDAY))).reasons == [
            "weekly_cap_reached",
            "not_enough_credits",
        ]


class TestClassTypes:
    async def test_a_membership_pays_only_for_its_class_types(self, desk: Desk) -> None:
        membership_id = await desk.unlimited(class_type_ids=[str(YOGA)])
        assert (await desk.quote(yoga(TUESDAY))).membership_id == membership_id
        for terms in (spin(TUESDAY), ClassTerms(starts_at=TUESDAY, credit_units=CREDIT)):
            quoted = await desk.quote(terms)
            assert quoted.method == "payment_required"
            assert quoted.reasons == ["class_type_not_covered", "not_enough_credits"]

    async def test_an_uncovered_class_type_falls_back_to_credits(self, desk: Desk) -> None:
        membership_id = await desk.unlimited(class_type_ids=[str(YOGA)])
        lot_id = await desk.pack()
        assert (await desk.charge(spin(TUESDAY), booking("b1"))).method == "credits"
        assert await desk.remaining(lot_id) == PACK - CREDIT
        assert (await desk.membership(membership_id)).classes_used == 0

    async def test_credits_for_other_class_types_do_not_pay(self, desk: Desk) -> None:
        plan_id = await desk.plan(
            kind="class_pack",
            name="Yoga 5",
            price_minor=5000,
            credits=5,
            validity_days=30,
            class_type_ids=[str(YOGA)],
        )
        await desk.sell(plan_id)
        assert (await desk.quote(yoga(TUESDAY))).method == "credits"
        assert (await desk.quote(spin(TUESDAY))).reasons == ["not_enough_credits"]


class TestFreeze:
    async def test_a_frozen_membership_pays_for_nothing_on_its_frozen_days(
        self, desk: Desk
    ) -> None:
        membership_id = await desk.unlimited()
        await desk.freeze(membership_id, date(2026, 11, 18), days=1)
        frozen_quote = await desk.quote(yoga(WEDNESDAY))
        assert frozen_quote.method == "payment_required"
        assert frozen_quote.reasons == ["membership_frozen", "not_enough_credits"]
        assert (await desk.quote(yoga(berlin(18, 23, 30)))).method == "payment_required"
        for thawed in (TUESDAY, berlin(19, 0, 30), THURSDAY):
            assert (await desk.quote(yoga(thawed))).membership_id == membership_id

    async def test_a_frozen_day_falls_back_to_credits(self, desk: Desk) -> None:
        membership_id = await desk.unlimited()
        lot_id = await desk.pack()
        await desk.freeze(membership_id, date(2026, 11, 18), days=2)
        paid = await desk.charge(yoga(THURSDAY), booking("b1"))
        assert paid == ChargeRead(method="credits", membership_id=None, credit_units=CREDIT)
        assert await desk.remaining(lot_id) == PACK - CREDIT
        assert (await desk.membership(membership_id)).classes_used == 0


class TestCancellation:
    async def test_a_cancelled_membership_stops_covering_at_cancel_at(self, desk: Desk) -> None:
        membership_id = await desk.unlimited()
        cancelled_at = berlin(18, 12)
        with time.frozen(cancelled_at):
            cancelled = await desk.cancel_now(membership_id)
            assert datetime.fromisoformat(cancelled["cancel_at"]) == cancelled_at
            before = await desk.quote(yoga(cancelled_at - timedelta(minutes=1)))
            at_cancel = await desk.quote(yoga(cancelled_at))
        assert before == Quote(method="membership", membership_id=membership_id)
        assert at_cancel.method == "payment_required"
        assert at_cancel.reasons == ["not_enough_credits"]

    async def test_a_cancelled_membership_falls_back_to_credits(self, desk: Desk) -> None:
        membership_id = await desk.unlimited()
        lot_id = await desk.pack()
        with time.frozen(berlin(18, 12)):
            await desk.cancel_now(membership_id)
            assert (await desk.charge(yoga(THURSDAY), booking("b1"))).method == "credits"
        assert await desk.remaining(lot_id) == PACK - CREDIT


class TestPasses:
    async def test_a_pass_pays_once_then_reports_pass_used(self, desk: Desk) -> None:
        pass_id = await desk.pass_()
        paid = await desk.charge(yoga(TUESDAY), booking("b1"))
        assert paid == ChargeRead(method="membership", membership_id=pass_id, credit_units=None)
        assert (await desk.membership(pass_id)).classes_used == 1
        error = await refused(desk, yoga(WEDNESDAY), booking("b2"))
        assert error.data["reasons"] == ["pass_used", "not_enough_credits"]
        assert error.data["drop_in"]["price_minor"] == 2000

    async def test_a_used_pass_falls_back_to_credits(self, desk: Desk) -> None:
        pass_id = await desk.pass_()
        lot_id = await desk.pack()
        await desk.charge(yoga(TUESDAY), booking("b1"))
        assert (await desk.charge(yoga(WEDNESDAY), booking("b2"))).method == "credits"
        assert await desk.remaining(lot_id) == PACK - CREDIT
        assert (await desk.membership(pass_id)).classes_used == 1

    async def test_a_full_refund_gives_the_pass_back(self, desk: Desk) -> None:
        pass_id = await desk.pass_()
        await desk.charge(yoga(TUESDAY), booking("b1"))
        outcome = await desk.refund(booking("b1"), 100)
        assert outcome == RefundOutcome(method="membership", percent=100, use_released=True)
        assert (await desk.membership(pass_id)).classes_used == 0
        assert (await desk.charge(yoga(WEDNESDAY), booking("b2"))).membership_id == pass_id


class TestPricedCredits:
    async def test_a_peak_class_costs_one_and_a_half_credits(self, desk: Desk) -> None:
        await desk.pricing(PEAK, EARLY, FREE)
        lot_id = await desk.pack()
        peak = berlin(17, 18)
        assert await desk.quote(yoga(peak)) == Quote(
            method="credits", credit_units=150, pricing_tier="peak"
        )
        paid = await desk.charge(yoga(peak), booking("b1"))
        assert paid == ChargeRead(method="credits", membership_id=None, credit_units=150)
        assert await desk.entries(booking("b1")) == [("consume", lot_id, -150)]
        assert await desk.remaining(lot_id) == PACK - 150

    async def test_an_off_peak_class_costs_its_tier_s_percent(self, desk: Desk) -> None:
        await desk.pricing(PEAK, EARLY, FREE)
        lot_id = await desk.pack()
        early = berlin(17, 7)
        assert await desk.quote(yoga(early)) == Quote(
            method="credits", credit_units=50, pricing_tier="early"
        )
        await desk.charge(yoga(early), booking("b1"))
        assert await desk.remaining(lot_id) == PACK - 50

    async def test_a_class_outside_every_tier_costs_its_base(self, desk: Desk) -> None:
        await desk.pricing(PEAK, EARLY, FREE)
        await desk.pack()
        assert await desk.quote(yoga(TUESDAY)) == Quote(method="credits", credit_units=CREDIT)

    async def test_the_tier_is_matched_on_the_studio_s_wall_clock(self, desk: Desk) -> None:
        await desk.pricing(PEAK)
        await desk.pack()
        half_past_five = datetime(2026, 11, 17, 16, 30, tzinfo=UTC)  # 17:30 in Berlin
        assert (await desk.quote(yoga(half_past_five))).pricing_tier == "peak"

    async def test_a_zero_percent_tier_is_free_without_credits(self, desk: Desk) -> None:
        await desk.pricing(PEAK, EARLY, FREE)
        saturday = berlin(21, 10, 30)
        assert await desk.quote(yoga(saturday)) == Quote(
            method="credits", credit_units=0, pricing_tier="open mat"
        )
        paid = await desk.charge(yoga(saturday), booking("b1"))
        assert paid == ChargeRead(method="credits", membership_id=None, credit_units=0)
        assert await desk.entries(booking("b1")) == []
        assert await desk.refund(booking("b1"), 100) == RefundOutcome(method="credits", percent=100)

    async def test_too_few_credits_for_the_peak_price_require_payment(self, desk: Desk) -> None:
        await desk.pricing(PEAK)
        lot_id = await desk.credits(120)
        error = await refused(desk, yoga(berlin(17, 18)), booking("b1"))
        assert error.data["credit_units"] == 150
        assert error.data["pricing_tier"] == "peak"
        assert error.data["reasons"] == ["not_enough_credits"]
        assert await desk.remaining(lot_id) == 120

    async def test_a_membership_pays_a_peak_class_without_credits(self, desk: Desk) -> None:
        await desk.pricing(PEAK)
        membership_id = await desk.unlimited()
        lot_id = await desk.pack()
        assert (await desk.charge(yoga(berlin(17, 18)), booking("b1"))).membership_id == (
            membership_id
        )
        assert await desk.remaining(lot_id) == PACK


class TestCreditValidity:
    async def test_a_lot_expiring_before_the_class_does_not_pay(self, desk: Desk) -> None:
        lot_id = await desk.credits(500, expires_at=berlin(18, 0))
        assert (await desk.quote(yoga(TUESDAY))).method == "credits"
        assert (await desk.quote(yoga(berlin(17, 23, 59)))).method == "credits"
        for after in (berlin(18, 0), THURSDAY):
            quoted = await desk.quote(yoga(after))
            assert quoted.method == "payment_required"
            assert quoted.reasons == ["not_enough_credits"]
        await refused(desk, yoga(THURSDAY), booking("b1"))
        assert await desk.remaining(lot_id) == 500

    async def test_a_class_after_one_lot_expires_is_paid_from_a_lot_still_valid(
        self, desk: Desk
    ) -> None:
        short_id = await desk.credits(500, expires_at=berlin(18, 0))
        pack_id = await desk.pack()
        await desk.charge(yoga(THURSDAY), booking("late"))
        assert await desk.entries(booking("late")) == [("consume", pack_id, -CREDIT)]
        await desk.charge(yoga(TUESDAY), booking("early"))
        assert await desk.entries(booking("early")) == [("consume", short_id, -CREDIT)]

    async def test_a_first_use_pack_runs_to_local_midnight_after_its_last_day(
        self, desk: Desk
    ) -> None:
        """The 30 local days from a first class on 20 March 2027 cross Berlin's move to
        summer time and still end as 19 April begins, local time (not 30 x 24 hours)."""
        plan = await desk.plan(
            kind="class_pack",
            name="5 classes, from first use",
            price_minor=6000,
            credits=5,
            validity_days=30,
            validity_starts="first_use",
        )
        lot_id = uuid.UUID((await desk.sell(plan))["granted_lot_id"])
        first_class = datetime(2027, 3, 20, 17, tzinfo=UTC)  # 18:00 in Berlin
        await desk.charge(yoga(first_class), booking("first"))
        lot = await desk.lot(lot_id)
        assert lot.expires_at == datetime(2027, 4, 18, 22, tzinfo=UTC)


class TestPaymentRequired:
    async def test_a_non_member_is_offered_the_cheapest_drop_in_at_the_non_member_price(
        self, desk: Desk
    ) -> None:
        offered = await desk.drop_in_plan(name="Drop-in")
        await desk.drop_in_plan(name="Premium", price_minor=2500, non_member_price_minor=3000)
        await desk.drop_in_plan(name="Intro", price_minor=500, intro_offer=True)
        await desk.drop_in_plan(name="Spin only", price_minor=800, class_type_ids=[str(SPIN)])
        archived = await desk.drop_in_plan(name="Old", price_minor=1000)
        response = await desk.client.post(
            f"/api/v1/orgs/{desk.studio.slug}/plans/{archived}/archive",
            headers=desk.headers("owner"),
        )
        assert response.status_code == 200, response.text
        error = await refused(desk, yoga(TUESDAY), booking("b1"))
        assert error.status == 402
        assert error.code == "payment_required"
        assert error.data == {
            "method": "payment_required",
            "membership_id": None,
            "credit_units": CREDIT,
            "pricing_tier": None,
            "drop_in": {
                "plan_id": offered,
                "name": "Drop-in",
                "price_minor": 2000,
                "currency": "EUR",
            },
            "reasons": ["not_enough_credits"],
        }
        assert (await desk.quote(yoga(TUESDAY))).model_dump(mode="json") == error.data

    async def test_a_member_is_offered_the_drop_in_at_the_member_price(self, desk: Desk) -> None:
        offered = await desk.drop_in_plan()
        await desk.unlimited(class_type_ids=[str(SPIN)])
        error = await refused(desk, yoga(TUESDAY), booking("b1"))
        assert error.data["drop_in"] == {
            "plan_id": offered,
            "name": "Drop-in",
            "price_minor": 1500,
            "currency": "EUR",
        }
        assert error.data["reasons"] == ["class_type_not_covered", "not_enough_credits"]

    async def test_a_drop_in_without_a_non_member_price_costs_everyone_its_price(
        self, desk: Desk
    ) -> None:
        await desk.drop_in_plan(non_member_price_minor=None)
        error = await refused(desk, yoga(TUESDAY), booking("b1"))
        assert error.data["drop_in"]["price_minor"] == 1500

    async def test_without_a_drop_in_on_sale_for_the_class_type_the_offer_is_null(
        self, desk: Desk
    ) -> None:
        await desk.drop_in_plan(class_type_ids=[str(SPIN)])
        error = await refused(desk, yoga(TUESDAY), booking("b1"))
        assert error.data["drop_in"] is None
        assert (await desk.quote(yoga(TUESDAY))).drop_in is None

    async def test_a_refused_charge_writes_nothing(self, desk: Desk) -> None:
        lot_id = await desk.credits(50)
        await refused(desk, yoga(TUESDAY), booking("b1"))
        assert await desk.charges() == []
        assert await desk.entries(booking("b1")) == []
        assert await desk.remaining(lot_id) == 50


class TestIdempotentCharges:
    async def test_charging_one_source_twice_takes_credits_once(self, desk: Desk) -> None:
        lot_id = await desk.pack()
        first = await desk.charge(yoga(TUESDAY), booking("b1"))
        again = await desk.charge(yoga(TUESDAY), booking("b1"))
        assert first == again
        assert await desk.remaining(lot_id) == PACK - CREDIT
        assert len(await desk.charges()) == 1

    async def test_charging_one_source_twice_uses_a_membership_once(self, desk: Desk) -> None:
        membership_id = await desk.unlimited(weekly_class_cap=2)
        first = await desk.charge(yoga(TUESDAY), booking("b1"))
        assert await desk.charge(yoga(TUESDAY), booking("b1")) == first
        assert (await desk.membership(membership_id)).classes_used == 1
        assert (await desk.charge(yoga(WEDNESDAY), booking("b2"))).method == "membership"

    async def test_a_charged_source_returns_its_charge_even_once_nothing_would_pay(
        self, desk: Desk
    ) -> None:
        pass_id = await desk.pass_()
        first = await desk.charge(yoga(TUESDAY), booking("b1"))
        assert await desk.charge(yoga(TUESDAY), booking("b1")) == first
        assert (await desk.membership(pass_id)).classes_used == 1

    async def test_a_source_charged_for_one_member_is_refused_for_another(self, desk: Desk) -> None:
        await desk.pack()
        await desk.charge(yoga(TUESDAY), booking("b1"))
        outsider = desk.studio.accounts["outsider"]
        joined = await desk.client.post(
            f"/api/v1/orgs/{desk.studio.slug}/join", headers=outsider.headers
        )
        assert joined.status_code == 201, joined.text
        with pytest.raises(ValueError, match="another member"):
            await desk.charge(
                yoga(TUESDAY), booking("b1"), member_id=uuid.UUID(joined.json()["id"])
            )


class TestRefund:
    async def test_a_half_refund_returns_half_to_the_lot_that_paid_even_when_a_newer_lot_exists(
        self, desk: Desk
    ) -> None:
        paying = await desk.pack()
        await desk.charge(yoga(TUESDAY), booking("b1"))
        newer = await desk.credits(300, expires_at=berlin(30, 0))  # expires before the pack
        outcome = await desk.refund(booking("b1"), 50)
        assert outcome == RefundOutcome(
            method="credits", percent=50, refunded_units=50, forfeited_units=50
        )
        assert await desk.remaining(paying) == PACK - CREDIT + 50
        assert await desk.remaining(newer) == 300
        assert await desk.entries(booking("b1")) == [
            ("consume", paying, -CREDIT),
            ("refund", paying, 50),
        ]

    async def test_a_refund_of_a_peak_charge_returns_its_percent_of_the_priced_cost(
        self, desk: Desk
    ) -> None:
        await desk.pricing(PEAK)
        lot_id = await desk.pack()
        await desk.charge(yoga(berlin(17, 18)), booking("b1"))
        outcome = await desk.refund(booking("b1"), 50)
        assert outcome == RefundOutcome(
            method="credits", percent=50, refunded_units=75, forfeited_units=75
        )
        assert await desk.remaining(lot_id) == PACK - 75

    async def test_a_refund_into_an_expired_lot_leaves_it_expired(self, desk: Desk) -> None:
        lot_id = await desk.credits(CREDIT, expires_at=berlin(18, 0))
        await desk.charge(yoga(TUESDAY), booking("b1"))
        with time.frozen(berlin(19, 9)):
            outcome = await desk.refund(booking("b1"), 100)
            balance = await desk.balance()
        assert outcome == RefundOutcome(method="credits", percent=100, refunded_units=CREDIT)
        assert await desk.remaining(lot_id) == 0
        assert balance == 0
        assert sorted(await desk.entries(booking("b1"))) == [
            ("consume", lot_id, -CREDIT),
            ("expire", lot_id, -CREDIT),
            ("refund", lot_id, CREDIT),
        ]

    async def test_refunding_twice_returns_the_first_outcome(self, desk: Desk) -> None:
        lot_id = await desk.pack()
        await desk.charge(yoga(TUESDAY), booking("b1"))
        first = await desk.refund(booking("b1"), 50)
        assert await desk.refund(booking("b1"), 100) == first
        assert await desk.remaining(lot_id) == PACK - 50

    async def test_refunding_a_membership_twice_releases_one_use(self, desk: Desk) -> None:
        membership_id = await desk.unlimited()
        await desk.charge(yoga(TUESDAY), booking("b1"))
        await desk.charge(yoga(WEDNESDAY), booking("b2"))
        first = await desk.refund(booking("b1"), 100)
        assert await desk.refund(booking("b1"), 100) == first
        assert (await desk.membership(membership_id)).classes_used == 1

    async def test_refunding_a_source_never_charged_returns_none(self, desk: Desk) -> None:
        assert await desk.refund(booking("never"), 100) is None

    async def test_a_full_refund_of_a_membership_charge_releases_the_use(self, desk: Desk) -> None:
        membership_id = await desk.unlimited()
        await desk.charge(yoga(TUESDAY), booking("b1"))
        outcome = await desk.refund(booking("b1"), 100)
        assert outcome == RefundOutcome(method="membership", percent=100, use_released=True)
        assert (await desk.membership(membership_id)).classes_used == 0
        [charge] = await desk.charges()
        assert charge.released_at == charge.refunded_at == time.now()

    async def test_a_partial_refund_of_a_membership_charge_keeps_the_use(self, desk: Desk) -> None:
        membership_id = await desk.unlimited()
        await desk.charge(yoga(TUESDAY), booking("b1"))
        outcome = await desk.refund(booking("b1"), 50)
        assert outcome == RefundOutcome(method="membership", percent=50, use_released=False)
        assert (await desk.membership(membership_id)).classes_used == 1

    @pytest.mark.parametrize("percent", [-1, 101])
    async def test_a_percent_outside_0_to_100_is_refused_and_changes_nothing(
        self, desk: Desk, percent: int
    ) -> None:
        membership_id = await desk.unlimited()
        await desk.charge(yoga(TUESDAY), booking("b1"))
        with pytest.raises(ValueError, match="percent"):
            await desk.refund(booking("b1"), percent)
        assert (await desk.membership(membership_id)).classes_used == 1
        assert await desk.refund(booking("b1"), 100) == RefundOutcome(
            method="membership", percent=100, use_released=True
        )


class TestClassTerms:
    def test_a_class_start_without_a_timezone_is_refused(self) -> None:
        with pytest.raises(ValueError, match="timezone-aware"):
            ClassTerms(starts_at=datetime(2026, 11, 17, 10), credit_units=CREDIT)

    def test_a_negative_credit_cost_is_refused(self) -> None:
        with pytest.raises(ValueError, match="negative"):
            ClassTerms(starts_at=TUESDAY, credit_units=-1)
