"""Cancelling a booking under the studio's tiers, through the API, with the clock frozen
at the moment of cancelling (and a fresh login there: access tokens last 15 minutes)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from fitflow.bookings import rules
from fitflow.kit import time
from tests.bookings.conftest import DAY, Floor
from tests.factories import Account

BERLIN = "Europe/Berlin"
HOUR = timedelta(hours=1)
SECOND = timedelta(seconds=1)
STRIKES = {"limit": 2, "window_days": 30, "ban_days": 7}


async def cancel(
    floor: Floor, booking_id: str, who: dict[str, str], waive_reason: str | None = None
) -> httpx.Response:
    body: dict[str, Any] = {} if waive_reason is None else {"waive_reason": waive_reason}
    return await floor.post(f"/bookings/{booking_id}/cancel", who, body)


async def cancel_at(
    floor: Floor, at: datetime, person: Account, booking_id: str, waive_reason: str | None = None
) -> httpx.Response:
    """Cancel as `person`, logged in afresh, with the clock frozen at `at`."""
    with time.frozen(at):
        return await cancel(floor, booking_id, await floor.fresh(person), waive_reason)


async def booked(floor: Floor, who: dict[str, str], session_id: str | None = None) -> str:
    response = await floor.book(who, session_id)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def member(floor: Floor) -> Account:
    return floor.studio.accounts["member"]


class TestCancelACreditsBooking:
    async def test_cancel_more_than_24h_before_refunds_the_full_credit(self, floor: Floor) -> None:
        await floor.schedule(capacity=3)
        person, _ = await floor.newcomer()
        before = await floor.balance(person.headers)
        booking_id = await booked(floor, person.headers)
        assert await floor.balance(person.headers) == before - 100

        response = await cancel_at(floor, floor.starts_at - 30 * HOUR, person, booking_id)

        assert response.status_code == 200, response.text
        body = response.json()
        assert body["status"] == "cancelled"
        assert body["cancellation"] == {
            "tier_min_hours_before": 24,
            "refund_percent": 100,
            "refunded_units": 100,
            "forfeited_units": 0,
            "use_released": False,
            "strike": False,
            "waived": False,
        }
        assert await floor.balance(person.headers) == before

    async def test_cancel_12_to_24h_before_forfeits_half_the_credit(self, floor: Floor) -> None:
        await floor.schedule(capacity=3)
        person, _ = await floor.newcomer()
        before = await floor.balance(person.headers)
        booking_id = await booked(floor, person.headers)

        response = await cancel_at(floor, floor.starts_at - 18 * HOUR, person, booking_id)

        assert response.status_code == 200, response.text
        body = response.json()
        assert body["status"] == "late_cancelled"
        outcome = body["cancellation"]
        assert outcome["tier_min_hours_before"] == 12
        assert outcome["refund_percent"] == 50
        assert (outcome["refunded_units"], outcome["forfeited_units"]) == (50, 50)
        assert outcome["strike"] is False
        assert await floor.balance(person.headers) == before - 50

    async def test_cancel_under_12h_before_refunds_nothing(self, floor: Floor) -> None:
        await floor.schedule(capacity=3)
        person, _ = await floor.newcomer()
        before = await floor.balance(person.headers)
        booking_id = await booked(floor, person.headers)

        response = await cancel_at(floor, floor.starts_at - 6 * HOUR, person, booking_id)

        assert response.status_code == 200, response.text
        body = response.json()
        assert body["status"] == "late_cancelled"
        outcome = body["cancellation"]
        assert (outcome["tier_min_hours_before"], outcome["refund_percent"]) == (0, 0)
        assert (outcome["refunded_units"], outcome["forfeited_units"]) == (0, 100)
        assert await floor.balance(person.headers) == before - 100

    @pytest.mark.parametrize(
        ("hours", "after_deadline", "refund_percent"),
        [
            pytest.param(24, timedelta(0), 100, id="24h-deadline-second"),
            pytest.param(24, SECOND, 50, id="a-second-after-the-24h-deadline"),
            pytest.param(12, timedelta(0), 50, id="12h-deadline-second"),
            pytest.param(12, SECOND, 0, id="a-second-after-the-12h-deadline"),
        ],
    )
    async def test_a_tier_applies_up_to_and_including_its_deadline_second(
        self, floor: Floor, hours: int, after_deadline: timedelta, refund_percent: int
    ) -> None:
        await floor.schedule(capacity=3)
        person, _ = await floor.newcomer()
        booking_id = await booked(floor, person.headers)
        deadline = rules.wall_clock_before(floor.starts_at, BERLIN, timedelta(hours=hours))

        response = await cancel_at(floor, deadline + after_deadline, person, booking_id)

        assert response.status_code == 200, response.text
        outcome = response.json()["cancellation"]
        assert outcome["refund_percent"] == refund_percent
        assert outcome["refunded_units"] == refund_percent


class TestCancelAnUnlimitedBooking:
    @pytest.mark.parametrize("hours_before", [18, 6])
    async def test_a_late_cancel_records_a_strike(self, floor: Floor, hours_before: int) -> None:
        await floor.schedule(capacity=3)
        booking_id = await booked(floor, floor.headers())

        response = await cancel_at(
            floor, floor.starts_at - hours_before * HOUR, member(floor), booking_id
        )

        assert response.status_code == 200, response.text
        body = response.json()
        assert body["status"] == "late_cancelled"
        assert body["strike"] is True
        assert body["cancellation"]["strike"] is True
        assert body["cancellation"]["use_released"] is False

    async def test_an_early_cancel_records_no_strike_and_gives_the_use_back(
        self, floor: Floor
    ) -> None:
        await floor.schedule(capacity=3)
        booking_id = await booked(floor, floor.headers())

        response = await cancel_at(floor, floor.starts_at - 30 * HOUR, member(floor), booking_id)

        assert response.status_code == 200, response.text
        body = response.json()
        assert body["status"] == "cancelled"
        assert body["strike"] is False
        assert body["cancellation"]["strike"] is False
        assert body["cancellation"]["use_released"] is True
        assert body["cancellation"]["refund_percent"] == 100


class TestWaive:
    async def test_staff_waive_the_tier_with_a_reason_and_it_is_audited(self, floor: Floor) -> None:
        await floor.schedule(capacity=3)
        person, _ = await floor.newcomer()
        before = await floor.balance(person.headers)
        booking_id = await booked(floor, person.headers)
        receptionist = floor.studio.accounts["receptionist"]

        response = await cancel_at(
            floor, floor.starts_at - 2 * HOUR, receptionist, booking_id, "Sprained ankle"
        )

        assert response.status_code == 200, response.text
        body = response.json()
        assert body["status"] == "cancelled"
        outcome = body["cancellation"]
        assert outcome["waived"] is True
        assert outcome["refund_percent"] == 100
        assert (outcome["refunded_units"], outcome["forfeited_units"]) == (100, 0)
        assert outcome["strike"] is False
        assert await floor.balance(person.headers) == before

        audit = await floor.client.get(
            f"{floor.base}/audit",
            headers=floor.headers("owner"),
            params={"action": "booking.cancellation_waived"},
        )
        assert audit.status_code == 200, audit.text
        entries = audit.json()["items"]
        assert len(entries) == 1
        entry = entries[0]
        assert entry["subject_type"] == "booking"
        assert entry["subject_id"] == booking_id
        assert entry["actor_user_id"] == str(receptionist.user_id)
        assert entry["data"]["reason"] == "Sprained ankle"
        assert entry["data"]["tier_refund_percent"] == 0

    async def test_staff_waiving_an_unlimited_late_cancel_records_no_strike(
        self, floor: Floor
    ) -> None:
        await floor.schedule(capacity=3)
        booking_id = await booked(floor, floor.headers())
        receptionist = floor.studio.accounts["receptionist"]

        response = await cancel_at(
            floor, floor.starts_at - 2 * HOUR, receptionist, booking_id, "Studio double-booked"
        )

        assert response.status_code == 200, response.text
        body = response.json()
        assert body["strike"] is False
        assert body["cancellation"]["use_released"] is True

    async def test_a_member_cannot_waive(self, floor: Floor) -> None:
        await floor.schedule(capacity=3)
        person, _ = await floor.newcomer()
        before = await floor.balance(person.headers)
        booking_id = await booked(floor, person.headers)

        refused = await cancel_at(floor, floor.starts_at - 2 * HOUR, person, booking_id, "Please")

        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "permission_denied"
        assert await floor.balance(person.headers) == before - 100
        mine = await floor.client.get(f"{floor.base}/me/bookings", headers=person.headers)
        assert [b["status"] for b in mine.json()["items"]] == ["confirmed"]


class TestCancelTwice:
    async def test_cancelling_again_answers_the_first_cancellation(self, floor: Floor) -> None:
        await floor.schedule(capacity=3)
        person, _ = await floor.newcomer()
        before = await floor.balance(person.headers)
        booking_id = await booked(floor, person.headers)
        first = await cancel_at(floor, floor.starts_at - 18 * HOUR, person, booking_id)
        assert first.status_code == 200, first.text

        again = await cancel_at(floor, floor.starts_at - 30 * HOUR, person, booking_id)

        assert again.status_code == 200, again.text
        assert again.json()["status"] == "late_cancelled"
        assert again.json()["cancellation"] == first.json()["cancellation"]
        assert again.json()["cancellation"]["refunded_units"] == 50
        assert await floor.balance(person.headers) == before - 50

    async def test_a_full_refund_is_not_given_twice(self, floor: Floor) -> None:
        await floor.schedule(capacity=3)
        person, _ = await floor.newcomer()
        before = await floor.balance(person.headers)
        booking_id = await booked(floor, person.headers)
        first = await cancel(floor, booking_id, person.headers)
        assert first.status_code == 200, first.text
        assert await floor.balance(person.headers) == before

        again = await cancel(floor, booking_id, person.headers)

        assert again.status_code == 200, again.text
        assert again.json()["cancellation"] == first.json()["cancellation"]
        assert await floor.balance(person.headers) == before


class TestFreedSpot:
    async def test_the_freed_spot_is_offered_to_the_waitlist(self, floor: Floor) -> None:
        await floor.schedule(capacity=1)
        booking_id = await booked(floor, floor.headers())
        waiting, _ = await floor.newcomer()
        joined = await floor.post(f"/sessions/{floor.session_id}/waitlist", waiting.headers)
        assert joined.status_code == 201, joined.text

        response = await cancel(floor, booking_id, floor.headers())

        assert response.status_code == 200, response.text
        mine = await floor.client.get(
            f"{floor.base}/sessions/{floor.session_id}/waitlist", headers=waiting.headers
        )
        [entry] = mine.json()
        assert entry["status"] == "offered"
        assert entry["hold_id"] is not None
        seen = await floor.session()
        assert (seen["booked"], seen["held"], seen["spots_left"]) == (0, 1, 0)


class TestAfterTheStart:
    async def test_a_member_cannot_cancel_after_the_start(self, floor: Floor) -> None:
        await floor.schedule(capacity=3)
        person, _ = await floor.newcomer()
        before = await floor.balance(person.headers)
        booking_id = await booked(floor, person.headers)

        refused = await cancel_at(floor, floor.starts_at + 60 * SECOND, person, booking_id)

        assert refused.status_code == 409
        assert refused.json()["error"]["code"] == "class_session_started"
        assert await floor.balance(person.headers) == before - 100
        mine = await floor.client.get(f"{floor.base}/me/bookings", headers=person.headers)
        assert [b["status"] for b in mine.json()["items"]] == ["confirmed"]

    async def test_a_member_may_still_cancel_in_the_last_second(self, floor: Floor) -> None:
        await floor.schedule(capacity=3)
        person, _ = await floor.newcomer()
        booking_id = await booked(floor, person.headers)

        response = await cancel_at(floor, floor.starts_at - SECOND, person, booking_id)

        assert response.status_code == 200, response.text
        assert response.json()["cancellation"]["forfeited_units"] == 100


class TestWhoMayCancel:
    async def test_another_member_cannot_cancel_a_booking(self, floor: Floor) -> None:
        await floor.schedule(capacity=3)
        booking_id = await booked(floor, floor.headers())
        other, _ = await floor.newcomer()

        refused = await cancel(floor, booking_id, other.headers)

        assert refused.status_code == 404
        assert refused.json()["error"]["code"] == "booking_not_found"
        mine = await floor.client.get(f"{floor.base}/me/bookings", headers=floor.headers())
        assert [b["status"] for b in mine.json()["items"]] == ["confirmed"]

    async def test_staff_cancelling_for_a_member_apply_the_tiers(self, floor: Floor) -> None:
        await floor.schedule(capacity=3)
        person, _ = await floor.newcomer()
        before = await floor.balance(person.headers)
        booking_id = await booked(floor, person.headers)
        receptionist = floor.studio.accounts["receptionist"]

        response = await cancel_at(floor, floor.starts_at - 18 * HOUR, receptionist, booking_id)

        assert response.status_code == 200, response.text
        assert response.json()["cancellation"]["refund_percent"] == 50
        assert response.json()["cancellation"]["waived"] is False
        assert await floor.balance(person.headers) == before - 50


class TestStrikes:
    async def _two_late_cancels(self, floor: Floor) -> datetime:
        """Book two classes and cancel each six hours before it; the second strike's
        instant. A third class, later, stays bookable by the clock."""
        first = await floor.schedule(capacity=3)
        first_starts = floor.starts_at
        second = await floor.schedule(capacity=3, starts_at=first_starts + 2 * HOUR)
        for session_id, starts in ((first, first_starts), (second, first_starts + 2 * HOUR)):
            booking_id = await booked(floor, floor.headers(), session_id)
            response = await cancel_at(floor, starts - 6 * HOUR, member(floor), booking_id)
            assert response.status_code == 200, response.text
            assert response.json()["strike"] is True
        return first_starts - 4 * HOUR

    async def test_strikes_at_the_limit_block_new_bookings(self, floor: Floor) -> None:
        await floor.policy(strikes=STRIKES)
        last_strike = await self._two_late_cancels(floor)
        third = await floor.schedule(capacity=3, starts_at=floor.starts_at + 6 * HOUR)

        with time.frozen(last_strike + HOUR):
            refused = await floor.book(await floor.fresh(member(floor)), third)

        assert refused.status_code == 403
        error = refused.json()["error"]
        assert error["code"] == "booking_blocked"
        assert error["data"]["strikes"] == 2
        assert datetime.fromisoformat(error["data"]["until"]) == last_strike + 7 * DAY

    async def test_a_hold_is_blocked_too(self, floor: Floor) -> None:
        await floor.policy(strikes=STRIKES)
        last_strike = await self._two_late_cancels(floor)
        third = await floor.schedule(capacity=3, starts_at=floor.starts_at + 6 * HOUR)

        with time.frozen(last_strike + HOUR):
            refused = await floor.hold(await floor.fresh(member(floor)), third)

        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "booking_blocked"

    async def test_without_a_strike_rule_strikes_block_nothing(self, floor: Floor) -> None:
        last_strike = await self._two_late_cancels(floor)
        third = await floor.schedule(capacity=3, starts_at=floor.starts_at + 6 * HOUR)

        with time.frozen(last_strike + HOUR):
            allowed = await floor.book(await floor.fresh(member(floor)), third)

        assert allowed.status_code == 201, allowed.text

    async def test_strikes_under_the_limit_block_nothing(self, floor: Floor) -> None:
        await floor.policy(strikes={**STRIKES, "limit": 3})
        last_strike = await self._two_late_cancels(floor)
        third = await floor.schedule(capacity=3, starts_at=floor.starts_at + 6 * HOUR)

        with time.frozen(last_strike + HOUR):
            allowed = await floor.book(await floor.fresh(member(floor)), third)

        assert allowed.status_code == 201, allowed.text

    async def test_the_ban_ends_after_ban_days(self, floor: Floor) -> None:
        await floor.policy(strikes=STRIKES)
        last_strike = await self._two_late_cancels(floor)
        later = await floor.schedule(capacity=3, starts_at=last_strike + 9 * DAY)

        with time.frozen(last_strike + 7 * DAY - SECOND):
            still = await floor.book(await floor.fresh(member(floor)), later)
        with time.frozen(last_strike + 7 * DAY):
            allowed = await floor.book(await floor.fresh(member(floor)), later)

        assert still.status_code == 403
        assert allowed.status_code == 201, allowed.text

    async def test_staff_may_book_a_blocked_member(self, floor: Floor) -> None:
        await floor.policy(strikes=STRIKES)
        last_strike = await self._two_late_cancels(floor)
        third = await floor.schedule(capacity=3, starts_at=floor.starts_at + 6 * HOUR)

        with time.frozen(last_strike + HOUR):
            response = await floor.post(
                "/bookings",
                await floor.fresh(floor.studio.accounts["receptionist"]),
                {"member_id": floor.studio.member_id, "session_id": third},
            )

        assert response.status_code == 201, response.text

    async def test_a_blocked_member_is_not_booked_from_the_waitlist(self, floor: Floor) -> None:
        """The pause applies to every new booking, automatic promotion included: whether
        the join is refused or the member passed over, no spot is booked for them."""
        await floor.policy(strikes=STRIKES, waitlist_mode="auto")
        last_strike = await self._two_late_cancels(floor)
        third = await floor.schedule(capacity=1, starts_at=floor.starts_at + 6 * HOUR)
        other, _ = await floor.newcomer()
        other_booking = await booked(floor, other.headers, third)

        with time.frozen(last_strike + HOUR):
            await floor.post(f"/sessions/{third}/waitlist", await floor.fresh(member(floor)))
            freed = await cancel(floor, other_booking, await floor.fresh(other))
            mine = await floor.client.get(
                f"{floor.base}/me/bookings", headers=await floor.fresh(member(floor))
            )

        assert freed.status_code == 200, freed.text
        assert [b for b in mine.json()["items"] if b["session_id"] == third] == []
