"""Check-in by scanned token or by hand, QR codes, and no-shows."""

from __future__ import annotations

import uuid
from datetime import timedelta

from fitflow.bookings import cancellation
from fitflow.checkins.service import token_for
from fitflow.kit import time
from fitflow.kit.db import Database
from tests.bookings.conftest import Floor


async def _booked(floor: Floor) -> str:
    await floor.schedule(capacity=5)
    booked = await floor.book(floor.headers())
    assert booked.status_code == 201, booked.text
    return str(booked.json()["id"])


def _token(floor: Floor, booking_id: str) -> str:
    key: str = floor.client._transport.app.state.auth.signing_key  # type: ignore[attr-defined]
    return token_for(key, uuid.UUID(booking_id))


class TestQrCode:
    async def test_the_member_gets_a_png_and_an_svg(self, floor: Floor) -> None:
        booking_id = await _booked(floor)
        png = await floor.client.get(
            f"{floor.base}/bookings/{booking_id}/qr", headers=floor.headers()
        )
        assert png.status_code == 200
        assert png.headers["content-type"] == "image/png"
        assert png.content.startswith(b"\x89PNG")
        svg = await floor.client.get(
            f"{floor.base}/bookings/{booking_id}/qr?format=svg", headers=floor.headers()
        )
        assert svg.headers["content-type"].startswith("image/svg+xml")
        assert b"<svg" in svg.content

    async def test_another_member_cannot_see_it(self, floor: Floor) -> None:
        booking_id = await _booked(floor)
        other, _ = await floor.newcomer()
        seen = await floor.client.get(
            f"{floor.base}/bookings/{booking_id}/qr", headers=other.headers
        )
        assert seen.status_code == 404


class TestCheckIn:
    async def test_a_scanned_token_checks_in_and_a_replay_answers_the_first(
        self, floor: Floor
    ) -> None:
        booking_id = await _booked(floor)
        token = _token(floor, booking_id)
        with time.frozen(floor.starts_at - timedelta(minutes=10)):
            desk = await floor.fresh(floor.studio.accounts["receptionist"])
            first = await floor.post("/checkins", desk, {"token": token})
            assert first.status_code == 201, first.text
            assert first.json()["late"] is False
        with time.frozen(floor.starts_at + timedelta(minutes=5)):
            desk = await floor.fresh(floor.studio.accounts["receptionist"])
            again = await floor.post("/checkins", desk, {"token": token})
        assert again.status_code == 200
        assert again.json()["checked_in_at"] == first.json()["checked_in_at"]

    async def test_after_the_start_the_check_in_is_late(self, floor: Floor) -> None:
        booking_id = await _booked(floor)
        with time.frozen(floor.starts_at + timedelta(minutes=3)):
            desk = await floor.fresh(floor.studio.accounts["receptionist"])
            late = await floor.post("/checkins", desk, {"booking_id": booking_id})
        assert late.status_code == 201
        assert late.json()["late"] is True

    async def test_the_window_opens_thirty_minutes_before(self, floor: Floor) -> None:
        booking_id = await _booked(floor)
        with time.frozen(floor.starts_at - timedelta(minutes=31)):
            desk = await floor.fresh(floor.studio.accounts["receptionist"])
            early = await floor.post("/checkins", desk, {"booking_id": booking_id})
        assert early.status_code == 409
        assert early.json()["error"]["data"]["reason"] == "checkin_not_open"

    async def test_a_forged_token_is_refused(self, floor: Floor) -> None:
        booking_id = await _booked(floor)
        forged = _token(floor, booking_id)[:-2] + "xx"
        refused = await floor.post("/checkins", floor.headers("receptionist"), {"token": forged})
        assert refused.status_code == 422
        assert refused.json()["error"]["code"] == "invalid_checkin_token"

    async def test_members_cannot_check_themselves_in(self, floor: Floor) -> None:
        booking_id = await _booked(floor)
        refused = await floor.post("/checkins", floor.headers(), {"booking_id": booking_id})
        assert refused.status_code == 403


class TestNoShow:
    async def test_an_unchecked_booking_becomes_a_no_show_after_the_grace(
        self, floor: Floor, database: Database
    ) -> None:
        booking_id = await _booked(floor)
        async with database.sessions() as session:
            within = await cancellation.record_no_shows(
                session, now=floor.starts_at + timedelta(minutes=9)
            )
            after = await cancellation.record_no_shows(
                session, now=floor.starts_at + timedelta(minutes=11)
            )
            await session.commit()
        assert (within, after) == (0, 1)
        with time.frozen(floor.starts_at + timedelta(minutes=12)):
            member = await floor.fresh(floor.studio.accounts["member"])
            mine = await floor.client.get(f"{floor.base}/me/bookings?past=true", headers=member)
        [booking] = mine.json()["items"]
        assert booking["id"] == booking_id
        assert (booking["status"], booking["strike"]) == ("no_show", True)


async def test_a_token_with_characters_no_token_has_is_refused_not_a_crash(floor: Floor) -> None:
    await _booked(floor)
    refused = await floor.post("/checkins", floor.headers("receptionist"), {"token": "abc.é"})
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "invalid_checkin_token"
