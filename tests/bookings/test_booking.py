"""Holding, confirming, booking in one step and on a member's behalf."""

from __future__ import annotations

from datetime import timedelta

from fitflow.kit import time
from tests.bookings.conftest import DAY, Floor


class TestHold:
    async def test_a_hold_takes_a_spot_until_it_expires(self, floor: Floor) -> None:
        await floor.schedule(capacity=2)
        held = await floor.hold(floor.headers())
        assert held.status_code == 201, held.text
        body = held.json()
        assert body["status"] == "active"
        assert body["offered"] is False
        seen = await floor.session()
        assert (seen["held"], seen["booked"], seen["spots_left"]) == (1, 0, 1)
        with time.frozen(time.now() + timedelta(seconds=601)):
            later = await floor.session()
        assert (later["held"], later["spots_left"]) == (0, 2)

    async def test_a_full_class_refuses_a_hold(self, floor: Floor) -> None:
        await floor.schedule(capacity=1)
        assert (await floor.hold(floor.headers())).status_code == 201
        other, _ = await floor.newcomer()
        refused = await floor.hold(other.headers)
        assert refused.status_code == 409
        assert refused.json()["error"]["code"] == "class_session_full"

    async def test_an_expired_hold_frees_its_spot_at_once(self, floor: Floor) -> None:
        await floor.schedule(capacity=1)
        assert (await floor.hold(floor.headers())).status_code == 201
        other, _ = await floor.newcomer()
        with time.frozen(time.now() + timedelta(seconds=601)):
            taken = await floor.hold(other.headers)
        assert taken.status_code == 201, taken.text

    async def test_a_second_hold_by_the_same_member_is_refused(self, floor: Floor) -> None:
        await floor.schedule(capacity=5)
        assert (await floor.hold(floor.headers())).status_code == 201
        again = await floor.hold(floor.headers())
        assert again.status_code == 409
        assert again.json()["error"]["code"] == "already_booked"


class TestConfirm:
    async def test_confirming_pays_with_the_membership(self, floor: Floor) -> None:
        await floor.schedule(capacity=3)
        hold_id = (await floor.hold(floor.headers())).json()["id"]
        booked = await floor.post(f"/holds/{hold_id}/confirm", floor.headers())
        assert booked.status_code == 201, booked.text
        body = booked.json()
        assert body["id"] == hold_id
        assert body["status"] == "confirmed"
        assert body["paid_by"]["method"] == "membership"
        seen = await floor.session()
        assert (seen["booked"], seen["held"], seen["spots_left"]) == (1, 0, 2)

    async def test_confirming_an_expired_hold_answers_410(self, floor: Floor) -> None:
        await floor.schedule(capacity=3)
        hold_id = (await floor.hold(floor.headers())).json()["id"]
        with time.frozen(time.now() + timedelta(seconds=601)):
            late = await floor.post(f"/holds/{hold_id}/confirm", floor.headers())
        assert late.status_code == 410
        assert late.json()["error"]["code"] == "hold_expired"

    async def test_nothing_to_pay_with_keeps_the_hold(self, floor: Floor) -> None:
        await floor.schedule(capacity=3)
        broke, _ = await floor.newcomer(pack=False)
        hold_id = (await floor.hold(broke.headers)).json()["id"]
        unpaid = await floor.post(f"/holds/{hold_id}/confirm", broke.headers)
        assert unpaid.status_code == 402
        assert unpaid.json()["error"]["data"]["hold_id"] == hold_id
        assert (await floor.session())["held"] == 1

    async def test_credits_pay_when_there_is_no_membership(self, floor: Floor) -> None:
        await floor.schedule(capacity=3)
        other, _ = await floor.newcomer()
        before = await floor.balance(other.headers)
        booked = await floor.book(other.headers)
        assert booked.status_code == 201, booked.text
        assert booked.json()["paid_by"] == {
            "method": "credits",
            "membership_id": None,
            "credit_units": 100,
        }
        assert await floor.balance(other.headers) == before - 100


class TestRules:
    async def test_booking_opens_the_policy_days_ahead(self, floor: Floor) -> None:
        await floor.schedule(capacity=3, starts_at=(time.now() + 20 * DAY).replace(microsecond=0))
        early = await floor.book(floor.headers())
        assert early.status_code == 409
        assert early.json()["error"]["code"] == "booking_not_open"

    async def test_staff_may_book_before_booking_opens(self, floor: Floor) -> None:
        await floor.schedule(capacity=3, starts_at=(time.now() + 20 * DAY).replace(microsecond=0))
        booked = await floor.post(
            "/bookings",
            floor.headers("receptionist"),
            {"member_id": floor.studio.member_id, "session_id": floor.session_id},
        )
        assert booked.status_code == 201, booked.text

    async def test_a_started_class_refuses_bookings(self, floor: Floor) -> None:
        await floor.schedule(capacity=3)
        with time.frozen(floor.starts_at + timedelta(minutes=1)):
            late = await floor.book(await floor.fresh(floor.studio.accounts["member"]))
        assert late.json()["error"]["code"] == "class_session_started"

    async def test_a_cancelled_class_refuses_bookings(self, floor: Floor) -> None:
        await floor.schedule(capacity=3)
        cancelled = await floor.client.patch(
            f"{floor.base}/sessions/{floor.session_id}",
            headers=floor.headers("owner"),
            json={"status": "cancelled"},
        )
        assert cancelled.status_code == 200, cancelled.text
        refused = await floor.book(floor.headers())
        assert refused.json()["error"]["code"] == "class_session_cancelled"

    async def test_six_holds_in_a_minute_are_rate_limited(self, floor: Floor) -> None:
        for _ in range(3):
            await floor.schedule(capacity=3)
            hold_id = (await floor.hold(floor.headers())).json()["id"]
            await floor.client.delete(f"{floor.base}/holds/{hold_id}", headers=floor.headers())
        for _ in range(2):
            await floor.schedule(capacity=3)
            assert (await floor.hold(floor.headers())).status_code == 201
        await floor.schedule(capacity=3)
        limited = await floor.hold(floor.headers())
        assert limited.status_code == 429
        assert "Retry-After" in limited.headers
