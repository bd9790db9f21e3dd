"""Waitlists: joining and leaving, offers of freed spots, automatic promotion, capacity
changes, overlapping sessions and cancelling a session."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select

from fitflow.bookings.models import WaitlistEntry
from fitflow.bookings.sweep import expire_lapsed_holds
from fitflow.kit import time
from fitflow.kit.db import Database
from fitflow.notifications.models import OutboundEmail
from tests.bookings.conftest import Floor
from tests.factories import Account

HOUR = timedelta(hours=1)
OFFER_SECONDS = 300  # the policy's default waitlist_offer_seconds


async def join(floor: Floor, who: dict[str, str], session_id: str | None = None) -> httpx.Response:
    return await floor.post(f"/sessions/{session_id or floor.session_id}/waitlist", who)


async def joined(floor: Floor, who: dict[str, str], session_id: str | None = None) -> int:
    """Join and return the position."""
    response = await join(floor, who, session_id)
    assert response.status_code == 201, response.text
    return int(response.json()["position"])


async def leave(floor: Floor, who: dict[str, str], session_id: str | None = None) -> httpx.Response:
    return await floor.client.delete(
        f"{floor.base}/sessions/{session_id or floor.session_id}/waitlist", headers=who
    )


async def waitlist(
    floor: Floor, who: dict[str, str], session_id: str | None = None
) -> list[dict[str, Any]]:
    response = await floor.client.get(
        f"{floor.base}/sessions/{session_id or floor.session_id}/waitlist", headers=who
    )
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()
    return entries


async def booked(floor: Floor, who: dict[str, str], session_id: str | None = None) -> str:
    response = await floor.book(who, session_id)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def cancel(floor: Floor, booking_id: str, who: dict[str, str]) -> dict[str, Any]:
    response = await floor.post(f"/bookings/{booking_id}/cancel", who, {})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def patch_session(floor: Floor, body: dict[str, Any]) -> httpx.Response:
    return await floor.client.patch(
        f"{floor.base}/sessions/{floor.session_id}", headers=floor.headers("owner"), json=body
    )


async def full_class(floor: Floor, *, capacity: int = 1) -> str:
    """A class whose only spot(s) the unlimited member and newcomers have booked; the
    unlimited member's booking id."""
    await floor.schedule(capacity=capacity)
    first = await booked(floor, floor.headers())
    for _ in range(capacity - 1):
        other, _ = await floor.newcomer()
        await booked(floor, other.headers)
    return first


async def my_bookings(floor: Floor, who: dict[str, str]) -> list[dict[str, Any]]:
    response = await floor.client.get(f"{floor.base}/me/bookings", headers=who)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def entry_statuses(database: Database, session_id: str) -> dict[uuid.UUID, str]:
    """Every waitlist entry of the session, member id -> status."""
    async with database.sessions() as session:
        rows = await session.execute(
            select(WaitlistEntry.member_id, WaitlistEntry.status).where(
                WaitlistEntry.session_id == uuid.UUID(session_id)
            )
        )
        return {row[0]: row[1] for row in rows}


async def subjects_to(database: Database, person: Account) -> list[str]:
    async with database.sessions() as session:
        rows = await session.scalars(
            select(OutboundEmail.subject)
            .where(OutboundEmail.to_address == person.email)
            .order_by(OutboundEmail.created_at)
        )
        return list(rows)


class TestJoin:
    async def test_a_class_with_spots_left_cannot_be_waited_for(self, floor: Floor) -> None:
        await floor.schedule(capacity=2)
        await booked(floor, floor.headers())
        other, _ = await floor.newcomer()

        refused = await join(floor, other.headers)

        assert refused.status_code == 409
        assert refused.json()["error"]["code"] == "class_session_not_full"
        assert refused.json()["error"]["data"]["spots_left"] == 1

    async def test_positions_follow_arrival_order(self, floor: Floor) -> None:
        await full_class(floor)
        people = [(await floor.newcomer())[0] for _ in range(3)]

        positions = [await joined(floor, p.headers) for p in people]

        assert positions == [1, 2, 3]
        assert [e["position"] for e in await waitlist(floor, people[1].headers)] == [2]
        listed = await waitlist(floor, floor.headers("trainer"))
        assert [(e["member_id"], e["position"]) for e in listed] == [
            (member_id, n) for n, (_, member_id) in enumerate(floor.extra, start=1)
        ]
        assert (await floor.session())["waitlist_length"] == 3

    async def test_positions_move_up_when_someone_ahead_leaves(self, floor: Floor) -> None:
        await full_class(floor)
        first, second, third = [(await floor.newcomer())[0] for _ in range(3)]
        for person in (first, second, third):
            await joined(floor, person.headers)

        assert (await leave(floor, first.headers)).status_code == 204

        assert [e["position"] for e in await waitlist(floor, second.headers)] == [1]
        assert [e["position"] for e in await waitlist(floor, third.headers)] == [2]
        assert await waitlist(floor, first.headers) == []

    async def test_a_booked_member_cannot_wait_too(self, floor: Floor) -> None:
        await full_class(floor)

        refused = await join(floor, floor.headers())

        assert refused.status_code == 409
        assert refused.json()["error"]["code"] == "already_booked"

    async def test_a_member_waits_only_once(self, floor: Floor) -> None:
        await full_class(floor)
        other, _ = await floor.newcomer()
        await joined(floor, other.headers)

        again = await join(floor, other.headers)

        assert again.status_code == 409
        assert again.json()["error"]["code"] == "already_on_waitlist"
        assert (await floor.session())["waitlist_length"] == 1

    async def test_the_waitlist_max_refuses_one_more(self, floor: Floor) -> None:
        await floor.policy(waitlist_max=1)
        await full_class(floor)
        first, _ = await floor.newcomer()
        second, _ = await floor.newcomer()
        await joined(floor, first.headers)

        refused = await join(floor, second.headers)

        assert refused.status_code == 409
        assert refused.json()["error"]["code"] == "waitlist_full"
        assert (await leave(floor, first.headers)).status_code == 204
        assert await joined(floor, second.headers) == 1

    async def test_joining_closes_at_the_cutoff(self, floor: Floor) -> None:
        await floor.policy(waitlist_cutoff_seconds=3600)
        await full_class(floor)
        other, _ = await floor.newcomer()
        cutoff = floor.starts_at - timedelta(seconds=3600)

        with time.frozen(cutoff):
            refused = await join(floor, await floor.fresh(other))
        with time.frozen(cutoff - timedelta(seconds=1)):
            allowed = await join(floor, await floor.fresh(other))

        assert refused.status_code == 409
        assert refused.json()["error"]["code"] == "waitlist_closed"
        assert allowed.status_code == 201, allowed.text


class TestLeave:
    async def test_leaving_answers_204_and_frees_the_place(self, floor: Floor) -> None:
        await full_class(floor)
        other, _ = await floor.newcomer()
        await joined(floor, other.headers)

        left = await leave(floor, other.headers)

        assert left.status_code == 204
        assert await waitlist(floor, other.headers) == []
        assert (await floor.session())["waitlist_length"] == 0

    async def test_leaving_without_waiting_answers_404(self, floor: Floor) -> None:
        await full_class(floor)
        other, _ = await floor.newcomer()

        refused = await leave(floor, other.headers)

        assert refused.status_code == 404
        assert refused.json()["error"]["code"] == "not_on_waitlist"


class TestOffer:
    async def _offered(self, floor: Floor) -> tuple[Account, Account]:
        """A full one-spot class with two members waiting; the booked member cancels, so
        the first of them is offered the spot."""
        booking_id = await full_class(floor)
        first, _ = await floor.newcomer()
        second, _ = await floor.newcomer()
        await joined(floor, first.headers)
        await joined(floor, second.headers)
        await cancel(floor, booking_id, floor.headers())
        return first, second

    async def test_a_freed_spot_is_offered_to_the_first_waiting_member(
        self, floor: Floor, database: Database
    ) -> None:
        first, second = await self._offered(floor)
        (_, first_id), (_, second_id) = floor.extra

        [mine] = await waitlist(floor, first.headers)
        assert mine["status"] == "offered"
        assert mine["hold_id"] is not None
        assert mine["position"] is None
        listed = await waitlist(floor, floor.headers("trainer"))
        assert [(e["member_id"], e["status"], e["position"]) for e in listed] == [
            (first_id, "offered", None),
            (second_id, "waiting", 1),
        ]
        seen = await floor.session()
        assert (seen["booked"], seen["held"], seen["spots_left"]) == (0, 1, 0)
        assert seen["waitlist_length"] == 1
        attendees = await floor.client.get(
            f"{floor.base}/sessions/{floor.session_id}/attendees", headers=floor.headers("trainer")
        )
        [hold] = attendees.json()["holds"]
        assert hold["id"] == mine["hold_id"]
        assert hold["offered"] is True
        assert any("a spot is yours to take" in s for s in await subjects_to(database, first))
        assert not any("a spot is yours" in s for s in await subjects_to(database, second))

    async def test_nobody_else_can_take_an_offered_spot(self, floor: Floor) -> None:
        _, second = await self._offered(floor)
        outsider, _ = await floor.newcomer()

        for who in (outsider.headers, second.headers):
            refused = await floor.hold(who)
            assert refused.status_code == 409
            assert refused.json()["error"]["code"] == "class_session_full"

    async def test_confirming_the_offer_books_the_member(
        self, floor: Floor, database: Database
    ) -> None:
        first, second = await self._offered(floor)
        (_, first_id), (_, second_id) = floor.extra
        hold_id = (await waitlist(floor, first.headers))[0]["hold_id"]

        confirmed = await floor.post(f"/holds/{hold_id}/confirm", first.headers)

        assert confirmed.status_code == 201, confirmed.text
        assert confirmed.json()["status"] == "confirmed"
        assert confirmed.json()["paid_by"]["method"] == "credits"
        statuses = await entry_statuses(database, floor.session_id)
        assert statuses[uuid.UUID(first_id)] == "promoted"
        assert statuses[uuid.UUID(second_id)] == "waiting"
        assert await waitlist(floor, first.headers) == []
        assert [e["position"] for e in await waitlist(floor, second.headers)] == [1]
        seen = await floor.session()
        assert (seen["booked"], seen["held"], seen["spots_left"]) == (1, 0, 0)

    async def test_a_lapsed_offer_moves_on_when_someone_tries_to_hold(
        self, floor: Floor, database: Database
    ) -> None:
        first, second = await self._offered(floor)
        (_, first_id), (_, second_id) = floor.extra
        hold_id = (await waitlist(floor, first.headers))[0]["hold_id"]
        outsider, _ = await floor.newcomer()

        with time.frozen(time.now() + timedelta(seconds=OFFER_SECONDS + 1)):
            refused = await floor.hold(await floor.fresh(outsider))
            listed = await waitlist(floor, await floor.fresh(floor.studio.accounts["trainer"]))
            late = await floor.post(f"/holds/{hold_id}/confirm", await floor.fresh(first))

        assert refused.status_code == 409
        assert refused.json()["error"]["code"] == "class_session_full"
        assert [(e["member_id"], e["status"]) for e in listed] == [(second_id, "offered")]
        statuses = await entry_statuses(database, floor.session_id)
        assert statuses[uuid.UUID(first_id)] == "expired"
        assert late.status_code == 410
        assert late.json()["error"]["code"] == "hold_expired"
        assert any("a spot is yours to take" in s for s in await subjects_to(database, second))

    async def test_the_sweep_moves_a_lapsed_offer_on(
        self, floor: Floor, database: Database
    ) -> None:
        _, second = await self._offered(floor)
        (_, first_id), (_, second_id) = floor.extra
        later = time.now() + timedelta(seconds=OFFER_SECONDS + 1)

        async with database.sessions() as session:
            tidied = await expire_lapsed_holds(session, now=later)
            await session.commit()

        assert tidied == 1
        with time.frozen(later):
            [mine] = await waitlist(floor, await floor.fresh(second))
            hold_id = mine["hold_id"]
            confirmed = await floor.post(f"/holds/{hold_id}/confirm", await floor.fresh(second))
        assert mine["status"] == "offered"
        assert confirmed.status_code == 201, confirmed.text
        statuses = await entry_statuses(database, floor.session_id)
        assert statuses == {uuid.UUID(first_id): "expired", uuid.UUID(second_id): "promoted"}

    async def test_an_offer_not_yet_lapsed_stays(self, floor: Floor, database: Database) -> None:
        await self._offered(floor)
        (_, first_id), _ = floor.extra
        almost = time.now() + timedelta(seconds=OFFER_SECONDS - 5)

        async with database.sessions() as session:
            assert await expire_lapsed_holds(session, now=almost) == 0
            await session.commit()

        statuses = await entry_statuses(database, floor.session_id)
        assert statuses[uuid.UUID(first_id)] == "offered"

    async def test_leaving_with_an_offer_passes_it_on(self, floor: Floor) -> None:
        first, _ = await self._offered(floor)
        (_, second_id) = floor.extra[1]

        assert (await leave(floor, first.headers)).status_code == 204

        listed = await waitlist(floor, floor.headers("trainer"))
        assert [(e["member_id"], e["status"]) for e in listed] == [(second_id, "offered")]
        assert (await floor.session())["held"] == 1

    async def test_after_the_cutoff_a_freed_spot_is_not_offered(self, floor: Floor) -> None:
        await floor.policy(waitlist_cutoff_seconds=3600)
        booking_id = await full_class(floor)
        waiting, _ = await floor.newcomer()
        await joined(floor, waiting.headers)

        with time.frozen(floor.starts_at - timedelta(seconds=1800)):
            response = await floor.post(
                f"/bookings/{booking_id}/cancel",
                await floor.fresh(floor.studio.accounts["member"]),
                {},
            )
            [mine] = await waitlist(floor, await floor.fresh(waiting))
            seen = await floor.session()

        assert response.status_code == 200, response.text
        assert (mine["status"], mine["hold_id"]) == ("waiting", None)
        assert (seen["held"], seen["spots_left"]) == (0, 1)


class TestAutoMode:
    async def test_the_first_waiting_member_with_an_entitlement_is_booked_and_charged(
        self, floor: Floor, database: Database
    ) -> None:
        await floor.policy(waitlist_mode="auto")
        booking_id = await full_class(floor)
        waiting, waiting_id = await floor.newcomer()
        before = await floor.balance(waiting.headers)
        await joined(floor, waiting.headers)

        await cancel(floor, booking_id, floor.headers())

        [booking] = await my_bookings(floor, waiting.headers)
        assert booking["session_id"] == floor.session_id
        assert booking["status"] == "confirmed"
        assert await floor.balance(waiting.headers) == before - 100
        statuses = await entry_statuses(database, floor.session_id)
        assert statuses[uuid.UUID(waiting_id)] == "promoted"
        seen = await floor.session()
        assert (seen["booked"], seen["held"], seen["waitlist_length"]) == (1, 0, 0)
        assert any("you are booked" in s for s in await subjects_to(database, waiting))

    async def test_a_member_with_nothing_to_pay_is_passed_over_and_told(
        self, floor: Floor, database: Database
    ) -> None:
        await floor.policy(waitlist_mode="auto")
        booking_id = await full_class(floor)
        broke, broke_id = await floor.newcomer(pack=False)
        paying, paying_id = await floor.newcomer()
        await joined(floor, broke.headers)
        await joined(floor, paying.headers)

        await cancel(floor, booking_id, floor.headers())

        assert [b["status"] for b in await my_bookings(floor, paying.headers)] == ["confirmed"]
        assert await my_bookings(floor, broke.headers) == []
        [mine] = await waitlist(floor, broke.headers)
        assert (mine["status"], mine["position"]) == ("waiting", 1)
        assert mine["skipped_reason"]
        statuses = await entry_statuses(database, floor.session_id)
        assert statuses == {uuid.UUID(broke_id): "waiting", uuid.UUID(paying_id): "promoted"}
        told = await subjects_to(database, broke)
        assert sum("could not be booked" in s for s in told) == 1
        assert not any("you are booked" in s for s in told)

    async def test_nobody_able_to_pay_leaves_the_spot_free(self, floor: Floor) -> None:
        await floor.policy(waitlist_mode="auto")
        booking_id = await full_class(floor)
        broke, _ = await floor.newcomer(pack=False)
        await joined(floor, broke.headers)

        await cancel(floor, booking_id, floor.headers())

        seen = await floor.session()
        assert (seen["booked"], seen["held"], seen["spots_left"]) == (0, 0, 1)
        assert seen["waitlist_length"] == 1


class TestCapacity:
    async def test_raising_capacity_offers_the_new_spots(self, floor: Floor) -> None:
        await full_class(floor)
        first, _ = await floor.newcomer()
        second, _ = await floor.newcomer()
        third, _ = await floor.newcomer()
        for person in (first, second, third):
            await joined(floor, person.headers)

        raised = await patch_session(floor, {"capacity": 3})

        assert raised.status_code == 200, raised.text
        assert raised.json()["capacity"] == 3
        listed = await waitlist(floor, floor.headers("trainer"))
        assert [(e["status"], e["position"]) for e in listed] == [
            ("offered", None),
            ("offered", None),
            ("waiting", 1),
        ]
        seen = await floor.session()
        assert (seen["booked"], seen["held"], seen["spots_left"]) == (1, 2, 0)

    async def test_raising_capacity_in_auto_mode_books_the_waiting(self, floor: Floor) -> None:
        await floor.policy(waitlist_mode="auto")
        await full_class(floor)
        waiting, _ = await floor.newcomer()
        await joined(floor, waiting.headers)

        raised = await patch_session(floor, {"capacity": 2})

        assert raised.status_code == 200, raised.text
        assert (raised.json()["booked"], raised.json()["waitlist_length"]) == (2, 0)
        assert [b["status"] for b in await my_bookings(floor, waiting.headers)] == ["confirmed"]

    async def test_a_capacity_change_after_an_offer_lapsed_ends_that_offer(
        self, floor: Floor, database: Database
    ) -> None:
        booking_id = await full_class(floor)
        first, first_id = await floor.newcomer()
        second, second_id = await floor.newcomer()
        await joined(floor, first.headers)
        await joined(floor, second.headers)
        await cancel(floor, booking_id, floor.headers())
        assert (await waitlist(floor, first.headers))[0]["status"] == "offered"

        # Raising capacity first marks the lapsed offer hold expired; its waitlist entry
        # must end with it, not stay "offered" with a dead hold.
        with time.frozen(time.now() + timedelta(seconds=OFFER_SECONDS + 1)):
            owner = await floor.fresh(floor.studio.accounts["owner"])
            raised = await floor.client.patch(
                f"{floor.base}/sessions/{floor.session_id}", headers=owner, json={"capacity": 2}
            )
            mine = await waitlist(floor, await floor.fresh(first))

        assert raised.status_code == 200, raised.text
        statuses = await entry_statuses(database, floor.session_id)
        assert statuses[uuid.UUID(second_id)] == "offered"
        assert statuses[uuid.UUID(first_id)] == "expired"
        assert mine == []

    async def test_lowering_capacity_below_the_live_count_is_refused(self, floor: Floor) -> None:
        await full_class(floor, capacity=2)
        held, _ = await floor.newcomer()
        assert (await patch_session(floor, {"capacity": 3})).status_code == 200
        assert (await floor.hold(held.headers)).status_code == 201

        refused = await patch_session(floor, {"capacity": 2})

        assert refused.status_code == 409
        assert refused.json()["error"]["code"] == "capacity_below_booked"
        assert (await floor.session())["capacity"] == 3

    async def test_capacity_may_be_lowered_to_the_live_count(self, floor: Floor) -> None:
        await floor.schedule(capacity=5)
        await booked(floor, floor.headers())
        other, _ = await floor.newcomer()
        await booked(floor, other.headers)

        lowered = await patch_session(floor, {"capacity": 2})

        assert lowered.status_code == 200, lowered.text
        assert (lowered.json()["capacity"], lowered.json()["spots_left"]) == (2, 0)


class TestOverlap:
    async def test_getting_a_spot_leaves_waitlists_of_overlapping_sessions(
        self, floor: Floor, database: Database
    ) -> None:
        booking_id = await full_class(floor)
        first, starts = floor.session_id, floor.starts_at
        overlapping = await floor.schedule(capacity=1, starts_at=starts + HOUR / 2)
        await booked(floor, floor.headers(), overlapping)
        apart = await floor.schedule(capacity=1, starts_at=starts + 3 * HOUR)
        await booked(floor, floor.headers(), apart)
        waiting, waiting_id = await floor.newcomer()
        for session_id in (first, overlapping, apart):
            await joined(floor, waiting.headers, session_id)
        await cancel(floor, booking_id, floor.headers())
        hold_id = (await waitlist(floor, waiting.headers, first))[0]["hold_id"]

        confirmed = await floor.post(f"/holds/{hold_id}/confirm", waiting.headers)

        assert confirmed.status_code == 201, confirmed.text
        member = uuid.UUID(waiting_id)
        assert (await entry_statuses(database, first))[member] == "promoted"
        assert (await entry_statuses(database, overlapping))[member] == "left"
        assert (await entry_statuses(database, apart))[member] == "waiting"
        assert await waitlist(floor, waiting.headers, overlapping) == []
        assert [e["position"] for e in await waitlist(floor, waiting.headers, apart)] == [1]

    async def test_booking_directly_leaves_waitlists_of_overlapping_sessions(
        self, floor: Floor, database: Database
    ) -> None:
        await full_class(floor)
        full, starts = floor.session_id, floor.starts_at
        open_one = await floor.schedule(capacity=3, starts_at=starts + HOUR / 2)
        waiting, waiting_id = await floor.newcomer()
        await joined(floor, waiting.headers, full)

        await booked(floor, waiting.headers, open_one)

        assert (await entry_statuses(database, full))[uuid.UUID(waiting_id)] == "left"
        assert (await floor.session(full))["waitlist_length"] == 0


class TestCancelSession:
    async def test_cancelling_refunds_everyone_releases_holds_closes_the_waitlist_and_tells(
        self, floor: Floor, database: Database
    ) -> None:
        await floor.schedule(capacity=4)
        unlimited_booking = await booked(floor, floor.headers())
        payer, _ = await floor.newcomer()
        payer_before = await floor.balance(payer.headers)
        payer_booking = await booked(floor, payer.headers)
        gone, _ = await floor.newcomer()
        gone_booking = await booked(floor, gone.headers)
        holder, _ = await floor.newcomer()
        plain_hold = (await floor.hold(holder.headers)).json()["id"]
        offered, _ = await floor.newcomer()
        waiting, _ = await floor.newcomer()
        await joined(floor, offered.headers)
        await joined(floor, waiting.headers)
        await cancel(floor, gone_booking, gone.headers)  # its spot is offered on
        offer_hold = (await waitlist(floor, offered.headers))[0]["hold_id"]
        assert offer_hold is not None

        response = await patch_session(floor, {"status": "cancelled", "cancel_reason": "Flood"})

        assert response.status_code == 200, response.text
        body = response.json()
        assert body["status"] == "cancelled"
        assert (body["booked"], body["held"], body["waitlist_length"]) == (0, 0, 0)
        # Everyone booked gets everything back.
        assert await floor.balance(payer.headers) == payer_before
        again = await floor.post(f"/bookings/{payer_booking}/cancel", payer.headers, {})
        assert again.json()["status"] == "cancelled"
        assert again.json()["cancellation"]["refunded_units"] == 100
        unlimited = await floor.post(f"/bookings/{unlimited_booking}/cancel", floor.headers(), {})
        assert unlimited.json()["cancellation"]["use_released"] is True
        assert unlimited.json()["strike"] is False
        # Holds and offers are released.
        for person, hold_id in ((holder, plain_hold), (offered, offer_hold)):
            dead = await floor.post(f"/holds/{hold_id}/confirm", person.headers)
            assert dead.status_code == 409, dead.text
            assert dead.json()["error"]["code"] == "hold_not_active"
            assert dead.json()["error"]["data"]["status"] == "released"
        # The waitlist is closed.
        assert await waitlist(floor, floor.headers("trainer")) == []
        statuses = await entry_statuses(database, floor.session_id)
        assert set(statuses.values()) == {"expired"}
        late, _ = await floor.newcomer()
        refused = await join(floor, late.headers)
        assert refused.status_code == 409
        assert refused.json()["error"]["code"] == "class_session_cancelled"
        # Everyone affected is told, once; the member who had already cancelled is not.
        for person in (floor.studio.accounts["member"], payer, holder, offered, waiting):
            told = [s for s in await subjects_to(database, person) if s.endswith(": cancelled")]
            assert len(told) == 1, person.email
        assert not any(s.endswith(": cancelled") for s in await subjects_to(database, gone))
        async with database.sessions() as session:
            bodies = await session.scalars(
                select(OutboundEmail.body_text).where(OutboundEmail.subject.like("%: cancelled"))
            )
            assert all("Reason: Flood" in text for text in bodies)

    async def test_a_cancelled_session_cannot_be_changed_again(self, floor: Floor) -> None:
        await floor.schedule(capacity=2)
        assert (await patch_session(floor, {"status": "cancelled"})).status_code == 200

        refused = await patch_session(floor, {"capacity": 5})

        assert refused.status_code == 409
        assert refused.json()["error"]["code"] == "class_session_not_editable"
