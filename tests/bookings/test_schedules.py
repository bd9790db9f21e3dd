"""Recurring schedules: sessions written ahead, idempotently, on the local wall clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from fitflow.bookings import schedules
from fitflow.kit import time
from fitflow.kit.db import Database
from tests.bookings.conftest import Floor

BERLIN = ZoneInfo("Europe/Berlin")


async def _create(floor: Floor, **fields: Any) -> dict[str, Any]:
    body = {
        "class_type_id": floor.studio.class_type_id,
        "rrule": "FREQ=WEEKLY;BYDAY=MO,WE",
        "first_day": time.now().date().isoformat(),
        "start_time": "18:00",
        **fields,
    }
    response = await floor.post("/schedules", floor.headers("owner"), body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def _sessions(floor: Floor, **query: str) -> list[dict[str, Any]]:
    response = await floor.client.get(f"{floor.base}/sessions", params={"limit": "200", **query})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


class TestMaterialise:
    async def test_sessions_are_written_eight_weeks_ahead(self, floor: Floor) -> None:
        created = await _create(floor)
        listed = await _sessions(floor)
        assert created["sessions_created"] == len(listed)
        assert 15 <= len(listed) <= 17
        latest = max(datetime.fromisoformat(s["starts_at"]) for s in listed)
        assert latest <= time.now() + timedelta(weeks=8)
        for item in listed:
            local = datetime.fromisoformat(item["starts_at"]).astimezone(BERLIN)
            assert (local.strftime("%a"), local.hour, local.minute) in {
                ("Mon", 18, 0),
                ("Wed", 18, 0),
            }

    async def test_running_again_writes_nothing_new(self, floor: Floor, database: Database) -> None:
        await _create(floor)
        before = len(await _sessions(floor))
        async with database.sessions() as session:
            written = 0
            for studio_id, schedule_id in await schedules.running_ids(session):
                written += await schedules.materialise_one(
                    session, studio_id, schedule_id, now=time.now(), weeks_ahead=8
                )
            await session.commit()
        assert written == 0
        assert len(await _sessions(floor)) == before

    async def test_the_local_start_time_holds_across_dst(self, floor: Floor) -> None:
        spring = datetime(2027, 3, 20, 12, tzinfo=UTC)
        with time.frozen(spring):
            owner = await floor.fresh(floor.studio.accounts["owner"])
            response = await floor.post(
                "/schedules",
                owner,
                {
                    "class_type_id": floor.studio.class_type_id,
                    "rrule": "FREQ=DAILY",
                    "first_day": "2027-03-20",
                    "start_time": "18:00",
                },
            )
            assert response.status_code == 201, response.text
            listed = await _sessions(floor, to="2027-04-02T00:00:00+00:00")
        offsets = {
            datetime.fromisoformat(s["starts_at"]).astimezone(BERLIN).utcoffset() for s in listed
        }
        assert offsets == {timedelta(hours=1), timedelta(hours=2)}
        assert {datetime.fromisoformat(s["starts_at"]).astimezone(BERLIN).hour for s in listed} == {
            18
        }


class TestEdit:
    async def test_booked_sessions_are_kept_and_the_rest_follow(self, floor: Floor) -> None:
        await _create(floor)
        first = (await _sessions(floor))[0]
        booked = await floor.book(floor.headers(), first["id"])
        assert booked.status_code == 201, booked.text
        schedule_id = (
            await floor.client.get(f"{floor.base}/schedules", headers=floor.headers("owner"))
        ).json()["items"][0]["id"]
        edited = await floor.client.patch(
            f"{floor.base}/schedules/{schedule_id}",
            headers=floor.headers("owner"),
            json={"start_time": "07:30"},
        )
        assert edited.status_code == 200, edited.text
        assert edited.json()["sessions_kept"] == [first["id"]]
        hours = {
            (s["id"] == first["id"], datetime.fromisoformat(s["starts_at"]).astimezone(BERLIN).hour)
            for s in await _sessions(floor)
        }
        assert hours == {(True, 18), (False, 7)}

    async def test_a_rule_that_does_not_parse_is_refused(self, floor: Floor) -> None:
        response = await floor.post(
            "/schedules",
            floor.headers("owner"),
            {
                "class_type_id": floor.studio.class_type_id,
                "rrule": "FREQ=MINUTELY",
                "first_day": date.today().isoformat(),
                "start_time": "18:00",
            },
        )
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "invalid_rrule"

    async def test_days_the_trainer_teaches_elsewhere_are_skipped(self, floor: Floor) -> None:
        trainer = floor.studio.staff_ids["trainer"]
        await _create(floor, trainer_id=trainer, rrule="FREQ=DAILY")
        again = await _create(floor, trainer_id=trainer, rrule="FREQ=WEEKLY;BYDAY=FR")
        assert again["sessions_created"] == 0
        assert len(again["days_skipped"]) >= 7


class TestRefusedRules:
    @pytest.mark.parametrize(
        "rule",
        ["FREQ=WEEKLY;INTERVAL=0", "FREQ=DAILY;BYHOUR=9,18", "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30"],
    )
    async def test_rules_that_never_end_or_run_twice_a_day_are_refused(
        self, floor: Floor, rule: str
    ) -> None:
        response = await floor.post(
            "/schedules",
            floor.headers("owner"),
            {
                "class_type_id": floor.studio.class_type_id,
                "rrule": rule,
                "first_day": time.now().date().isoformat(),
                "start_time": "18:00",
            },
        )
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "invalid_rrule"


class TestEditSparesChangedSessions:
    async def test_a_session_cancelled_on_its_own_stays_cancelled(self, floor: Floor) -> None:
        created = await _create(floor)
        first = (await _sessions(floor))[0]
        cancelled = await floor.client.patch(
            f"{floor.base}/sessions/{first['id']}",
            headers=floor.headers("owner"),
            json={"status": "cancelled", "cancel_reason": "Holiday"},
        )
        assert cancelled.status_code == 200, cancelled.text
        edited = await floor.client.patch(
            f"{floor.base}/schedules/{created['id']}",
            headers=floor.headers("owner"),
            json={"title": "Evening flow"},
        )
        assert edited.status_code == 200, edited.text
        assert first["id"] in edited.json()["sessions_kept"]
        again = await floor.client.get(f"{floor.base}/sessions/{first['id']}")
        assert again.json()["status"] == "cancelled"
        titles = {s["title"] for s in await _sessions(floor) if s["id"] != first["id"]}
        assert titles == {"Evening flow"}
