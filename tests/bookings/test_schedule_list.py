"""The schedule list is serialised straight from its rows; it must say exactly what the
session model says, session by session."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import TypeAdapter

from fitflow.bookings.schemas import SessionList, SessionRead
from fitflow.kit import time
from fitflow.kit.pagination import Page
from tests.bookings.conftest import DAY, Floor

PAGE = TypeAdapter(Page[SessionRead])


async def _listed(floor: Floor, who: dict[str, str], since: datetime) -> list[dict[str, Any]]:
    response = await floor.client.get(
        f"{floor.base}/sessions", headers=who, params={"from": since.isoformat(), "limit": "200"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def _read(floor: Floor, session_id: str, who: dict[str, str]) -> dict[str, Any]:
    response = await floor.client.get(f"{floor.base}/sessions/{session_id}", headers=who)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


class TestScheduleList:
    async def test_each_listed_session_reads_as_the_session_itself(self, floor: Floor) -> None:
        since = time.now()
        full = await floor.schedule(capacity=1)
        assert (await floor.book(floor.headers())).status_code == 201
        waiting, _ = await floor.newcomer()
        joined = await floor.post(f"/sessions/{full}/waitlist", waiting.headers)
        assert joined.status_code == 201, joined.text
        held = await floor.schedule(capacity=3, starts_at=time.now() + 2 * DAY)
        assert (await floor.hold(waiting.headers, held)).status_code == 201
        cancelled = await floor.schedule(capacity=5, starts_at=time.now() + 4 * DAY)
        dropped = await floor.client.patch(
            f"{floor.base}/sessions/{cancelled}",
            headers=floor.headers("owner"),
            json={"status": "cancelled", "cancel_reason": "Instructor ill"},
        )
        assert dropped.status_code == 200, dropped.text
        running = await floor.schedule(capacity=4, starts_at=time.now() + 5 * DAY)
        with time.frozen(time.now() + 5 * DAY + timedelta(minutes=5)):
            owner = await floor.fresh(floor.studio.accounts["owner"])
            listed = await _listed(floor, owner, since)
            assert {item["id"] for item in listed} >= {full, held, cancelled, running}
            for item in listed:
                assert item == await _read(floor, item["id"], owner)
            states = {item["id"]: item["status"] for item in listed}
        assert (states[cancelled], states[running], states[full]) == (
            "cancelled",
            "in_progress",
            "completed",
        )

    async def test_the_page_bytes_are_the_models_bytes(self) -> None:
        now = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
        starts = now - timedelta(minutes=10)
        row_of = (
            uuid.uuid4(),
            uuid.uuid4(),
            'Spin \u00e9t\u00e9 "late"',
            None,
            uuid.uuid4(),
            starts,
            starts + timedelta(minutes=45),
            12,
            2,
        )
        rows = [
            (*row_of, "published", None, 3, 1, 4),
            (*row_of, "cancelled", now - DAY + timedelta(microseconds=7), 0, 0, 0),
            (*row_of, "draft", None, 13, 2, 0),
        ]
        listed = SessionList(rows, "next-page", now)
        assert listed.json() == PAGE.dump_json(listed.page())
        assert [item.spots_left for item in listed.page().items] == [8, 12, 0]


class TestFiltersAndPages:
    async def test_each_filter_and_the_cursor_narrow_the_list(self, floor: Floor) -> None:
        since = time.now()
        full = await floor.schedule(capacity=1)
        assert (await floor.book(floor.headers())).status_code == 201
        first_start = floor.starts_at
        later = await floor.schedule(capacity=5, starts_at=first_start + DAY)
        last = await floor.schedule(capacity=5, starts_at=first_start + 2 * DAY)

        async def ids(**params: str) -> list[str]:
            query = {"from": since.isoformat(), **params}
            response = await floor.client.get(f"{floor.base}/sessions", params=query)
            assert response.status_code == 200, response.text
            return [item["id"] for item in response.json()["items"]]

        for _ in range(2):  # the second round answers kept pages (but available_only)
            assert await ids() == [full, later, last]
            until = first_start + DAY + timedelta(hours=1)
            assert await ids(to=until.isoformat()) == [full, later]
            assert await ids(available_only="true") == [later, last]
            assert await ids(class_type_id=str(floor.studio.class_type_id)) == [full, later, last]
            assert await ids(class_type_id=str(uuid.uuid4())) == []
            assert await ids(trainer_id=str(uuid.uuid4())) == []
            assert await _paged(floor, since) == [[full], [later], [last]]


async def _paged(floor: Floor, since: datetime) -> list[list[str]]:
    """The list a session a page, following each page's cursor."""
    pages: list[list[str]] = []
    cursor: str | None = None
    while True:
        query = {"from": since.isoformat(), "limit": "1", **({"cursor": cursor} if cursor else {})}
        response = await floor.client.get(f"{floor.base}/sessions", params=query)
        assert response.status_code == 200, response.text
        pages.append([item["id"] for item in response.json()["items"]])
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return pages
