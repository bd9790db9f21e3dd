"""1:1 appointments: weekly availability, time away, free slots and booking one."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from fitflow.bookings.slots import Window, free_slots
from fitflow.kit import time as clock
from tests.bookings.conftest import Floor
from tests.factories import create

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = datetime(2026, 11, 23, tzinfo=BERLIN)  # a Monday after the frozen test clock
PT = {
    "name": "Personal training",
    "duration_minutes": 60,
    "default_capacity": 1,
    "appointment": True,
}


class TestFreeSlots:
    @pytest.mark.parametrize(
        ("busy_hours", "expected"),
        [
            ((), [9, 10, 11]),
            (((10, 11),), [9, 11]),
            (((9.5, 10.5),), [11]),
        ],
    )
    def test_slots_step_by_the_service_length_around_busy_time(
        self, busy_hours: tuple[tuple[float, float], ...], expected: list[int]
    ) -> None:
        def at(hour: float) -> datetime:
            return MONDAY + timedelta(hours=hour)

        found = free_slots(
            [Window(0, time(9), time(12))],
            [(at(a), at(b)) for a, b in busy_hours],
            timezone="Europe/Berlin",
            length=timedelta(hours=1),
            after=MONDAY,
            before=MONDAY + timedelta(days=1),
        )
        assert [slot.astimezone(BERLIN).hour for slot in found] == expected

    def test_a_slot_that_does_not_fit_the_window_is_not_offered(self) -> None:
        found = free_slots(
            [Window(0, time(9), time(10, 30))],
            [],
            timezone="Europe/Berlin",
            length=timedelta(hours=1),
            after=MONDAY,
            before=MONDAY + timedelta(days=1),
        )
        assert [slot.astimezone(BERLIN).time() for slot in found] == [time(9)]


async def _setup(floor: Floor) -> tuple[str, str]:
    owner = floor.studio.accounts["owner"]
    service = await create(floor.client, f"{floor.base}/class-types", owner, PT)
    trainer = floor.studio.staff_ids["trainer"]
    put = await floor.client.put(
        f"{floor.base}/trainers/{trainer}/availability",
        headers=floor.headers("trainer"),
        json={
            "windows": [
                {"weekday": d, "starts": "09:00", "ends": "12:00"}
                for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
            ]
        },
    )
    assert put.status_code == 200, put.text
    return service, trainer


async def _slots(floor: Floor, trainer: str, service: str) -> list[str]:
    response = await floor.client.get(
        f"{floor.base}/trainers/{trainer}/slots", params={"class_type_id": service}
    )
    assert response.status_code == 200, response.text
    starts: list[str] = response.json()["starts"]
    return starts


class TestAppointments:
    async def test_booking_a_slot_takes_it_off_the_list(self, floor: Floor) -> None:
        service, trainer = await _setup(floor)
        offered = await _slots(floor, trainer, service)
        assert len(offered) >= 3 * 13
        booked = await floor.post(
            "/appointments",
            floor.headers(),
            {"class_type_id": service, "trainer_id": trainer, "starts_at": offered[0]},
        )
        assert booked.status_code == 201, booked.text
        assert offered[0] not in await _slots(floor, trainer, service)
        other, _ = await floor.newcomer()
        taken = await floor.post(
            "/appointments",
            other.headers,
            {"class_type_id": service, "trainer_id": trainer, "starts_at": offered[0]},
        )
        assert taken.status_code == 409
        assert taken.json()["error"]["code"] == "slot_not_available"

    async def test_time_away_and_group_classes_block_slots(self, floor: Floor) -> None:
        service, trainer = await _setup(floor)
        first = datetime.fromisoformat((await _slots(floor, trainer, service))[0])
        away = await floor.post(
            f"/trainers/{trainer}/time-away",
            floor.headers("trainer"),
            {"starts_at": first.isoformat(), "ends_at": (first + timedelta(hours=1)).isoformat()},
        )
        assert away.status_code == 201, away.text
        class_at = first + timedelta(hours=1)
        scheduled = await floor.post(
            "/sessions",
            floor.headers("owner"),
            {
                "class_type_id": floor.studio.class_type_id,
                "starts_at": class_at.isoformat(),
                "trainer_id": trainer,
            },
        )
        assert scheduled.status_code == 201, scheduled.text
        left = {datetime.fromisoformat(s) for s in await _slots(floor, trainer, service)}
        assert first not in left
        assert class_at not in left

    async def test_nothing_is_kept_when_nothing_pays(self, floor: Floor) -> None:
        service, trainer = await _setup(floor)
        first = (await _slots(floor, trainer, service))[0]
        broke, _ = await floor.newcomer(pack=False)
        refused = await floor.post(
            "/appointments",
            broke.headers,
            {"class_type_id": service, "trainer_id": trainer, "starts_at": first},
        )
        assert refused.status_code == 402
        assert first in await _slots(floor, trainer, service)

    async def test_a_trainer_cannot_set_another_trainers_hours(self, floor: Floor) -> None:
        other_trainer = floor.studio.staff_ids["admin"]
        refused = await floor.client.put(
            f"{floor.base}/trainers/{other_trainer}/availability",
            headers=floor.headers("trainer"),
            json={"windows": []},
        )
        assert refused.status_code == 403

    async def test_slots_come_only_within_the_booking_window(self, floor: Floor) -> None:
        service, trainer = await _setup(floor)
        latest = max(datetime.fromisoformat(s) for s in await _slots(floor, trainer, service))
        assert latest <= clock.now().astimezone(UTC) + timedelta(days=14)


async def test_a_slot_in_the_past_cannot_be_booked(floor: Floor) -> None:
    service, trainer = await _setup(floor)
    past = (clock.now() - timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    refused = await floor.post(
        "/appointments",
        floor.headers(),
        {"class_type_id": service, "trainer_id": trainer, "starts_at": past.isoformat()},
    )
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "class_session_started"
