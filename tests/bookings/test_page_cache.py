"""The schedule page cache serves a page again only while it is unchanged: every change,
made through the API or by a raw statement, and every change of the clock shows at once."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY
from sqlalchemy import text

from fitflow.app import create_app
from fitflow.bookings.page_cache import CachedPage, PageCache, PageKey
from fitflow.bookings.repository import SessionFilter
from fitflow.config import Settings
from fitflow.kit import time
from fitflow.kit.db import Database
from tests.bookings.conftest import DAY, Floor
from tests.conftest import make_settings


def _lookups(result: str) -> float:
    return REGISTRY.get_sample_value("fitflow_schedule_page_cache_total", {"result": result}) or 0


class Schedule:
    """The studio's schedule page from a fixed instant, read through the cache."""

    def __init__(self, floor: Floor) -> None:
        self.floor, self.since = floor, time.now()

    async def page(self, who: dict[str, str] | None = None) -> dict[str, Any]:
        """The page as `who` sees it (no token needed)."""
        response = await self.floor.client.get(
            f"{self.floor.base}/sessions",
            headers=who or {},
            params={"from": self.since.isoformat(), "limit": "200"},
        )
        assert response.status_code == 200, response.text
        page: dict[str, Any] = response.json()
        return page

    async def item(self, session_id: str) -> dict[str, Any]:
        items: list[dict[str, Any]] = (await self.page())["items"]
        [item] = [item for item in items if item["id"] == session_id]
        return item

    async def shows_change(self, change: Callable[[], Awaitable[object]]) -> dict[str, Any]:
        """The page after `change`: not the kept one, and each session in it as its own
        read (never cached) shows it. The page before is served from the cache, whatever
        holds, bookings and waitlist it shows."""
        await self.page()  # kept
        hits = _lookups("hit")
        before = await self.page()
        assert _lookups("hit") == hits + 1
        await change()
        after = await self.page()
        assert after != before
        for item in after["items"]:
            response = await self.floor.client.get(f"{self.floor.base}/sessions/{item['id']}")
            assert item == response.json()
        return after


async def _sql(database: Database, statement: str, **values: object) -> None:
    async with database.sessions() as session:
        await session.execute(text(statement), values)
        await session.commit()


class TestKeptPages:
    async def test_a_page_asked_again_is_served_from_the_cache(self, floor: Floor) -> None:
        await floor.schedule(capacity=5)
        schedule = Schedule(floor)
        first = await schedule.page()
        hits, misses = _lookups("hit"), _lookups("miss")
        assert await schedule.page() == first
        assert await schedule.page(floor.headers()) == first  # a member sees the same
        assert (_lookups("hit") - hits, _lookups("miss") - misses) == (2, 0)

    async def test_pages_from_now_or_of_available_sessions_are_not_kept(self, floor: Floor) -> None:
        await floor.schedule(capacity=5)
        hits, misses = _lookups("hit"), _lookups("miss")
        for params in ({}, {"from": time.now().isoformat(), "available_only": "true"}):
            for _ in range(2):
                response = await floor.client.get(f"{floor.base}/sessions", params=params)
                assert response.status_code == 200, response.text
        assert (_lookups("hit"), _lookups("miss")) == (hits, misses)

    async def test_a_size_of_zero_keeps_no_page(
        self, floor: Floor, settings: Settings, database: Database
    ) -> None:
        await floor.schedule(capacity=5)
        off = make_settings(str(settings.database_url), server={"schedule_pages_cached": 0})
        app = create_app(off, database)
        assert app.state.schedule_pages is None
        hits, misses, since = _lookups("hit"), _lookups("miss"), time.now().isoformat()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://fitflow.test") as client:
            for _ in range(2):
                response = await client.get(f"{floor.base}/sessions", params={"from": since})
                assert len(response.json()["items"]) == 1
        assert (_lookups("hit"), _lookups("miss")) == (hits, misses)

    async def test_staff_who_schedule_get_their_own_page(self, floor: Floor) -> None:
        published = await floor.schedule(capacity=5)
        draft = await floor.schedule(capacity=5, starts_at=time.now() + 4 * DAY, status="draft")
        schedule = Schedule(floor)
        for _ in range(2):
            members = {item["id"] for item in (await schedule.page())["items"]}
            owners = {item["id"] for item in (await schedule.page(floor.headers("owner")))["items"]}
            assert (published in members, draft in members) == (True, False)
            assert owners == members | {draft}


class TestChangesShowAtOnce:
    async def test_holds_confirmations_and_cancellations(self, floor: Floor) -> None:
        session_id = await floor.schedule(capacity=5)
        schedule = Schedule(floor)
        hold_id = ""

        async def hold() -> None:
            nonlocal hold_id
            held = await floor.hold(floor.headers())
            assert held.status_code == 201, held.text
            hold_id = held.json()["id"]

        async def confirm() -> None:  # moves no spot count, only booked and held
            confirmed = await floor.post(f"/holds/{hold_id}/confirm", floor.headers())
            assert confirmed.status_code == 201, confirmed.text

        async def cancel() -> None:
            cancelled = await floor.post(f"/bookings/{hold_id}/cancel", floor.headers(), {})
            assert cancelled.status_code == 200, cancelled.text

        for change, (booked, held) in ((hold, (0, 1)), (confirm, (1, 0)), (cancel, (0, 0))):
            await schedule.shows_change(change)
            item = await schedule.item(session_id)
            assert (item["booked"], item["held"], item["spots_left"]) == (
                booked,
                held,
                5 - booked - held,
            )

    async def test_waitlist_joins_and_leaves(self, floor: Floor) -> None:
        session_id = await floor.schedule(capacity=1)
        assert (await floor.book(floor.headers())).status_code == 201
        waiting, _ = await floor.newcomer()
        schedule = Schedule(floor)
        path = f"/sessions/{session_id}/waitlist"

        async def join() -> None:
            assert (await floor.post(path, waiting.headers)).status_code == 201

        async def leave() -> None:
            left = await floor.client.delete(f"{floor.base}{path}", headers=waiting.headers)
            assert left.status_code == 204, left.text

        for change, length in ((join, 1), (leave, 0)):
            await schedule.shows_change(change)
            assert (await schedule.item(session_id))["waitlist_length"] == length

    async def test_raw_statements_and_new_sessions(self, floor: Floor, database: Database) -> None:
        session_id = await floor.schedule(capacity=5)
        schedule = Schedule(floor)

        async def retitle() -> None:
            await _sql(
                database, "UPDATE class_sessions SET title = 'Dawn' WHERE id = :id", id=session_id
            )

        async def another() -> None:
            await floor.schedule(capacity=3, starts_at=time.now() + 2 * DAY)

        after = await schedule.shows_change(retitle)
        assert [item["title"] for item in after["items"] if item["id"] == session_id] == ["Dawn"]
        after = await schedule.shows_change(another)
        assert len(after["items"]) == 2

    async def test_a_hold_given_more_time(self, floor: Floor, database: Database) -> None:
        session_id = await floor.schedule(capacity=5)
        held = await floor.hold(floor.headers())
        assert held.status_code == 201, held.text
        schedule = Schedule(floor)
        lapsed = time.now() + timedelta(minutes=11)

        async def revive() -> None:  # as a checkout opened late does; the row is unchanged
            statement = "UPDATE bookings SET hold_expires_at = :until WHERE id = :id"
            until = lapsed + timedelta(minutes=5)
            await _sql(database, statement, until=until, id=held.json()["id"])

        with time.frozen(lapsed):
            assert (await schedule.item(session_id))["held"] == 0
            await schedule.shows_change(revive)
            assert (await schedule.item(session_id))["held"] == 1

    async def test_a_draft_published_and_the_next_page(self, floor: Floor) -> None:
        first = await floor.schedule(capacity=5)
        draft = await floor.schedule(capacity=5, starts_at=floor.starts_at + DAY, status="draft")
        schedule = Schedule(floor)
        first_page = await floor.client.get(
            f"{floor.base}/sessions", params={"from": schedule.since.isoformat(), "limit": "1"}
        )
        assert first_page.json()["next_cursor"] is None

        async def publish() -> None:
            published = await floor.client.patch(
                f"{floor.base}/sessions/{draft}",
                headers=floor.headers("owner"),
                json={"status": "published"},
            )
            assert published.status_code == 200, published.text

        after = await schedule.shows_change(publish)
        assert [item["id"] for item in after["items"]] == [first, draft]
        again = await floor.client.get(
            f"{floor.base}/sessions", params={"from": schedule.since.isoformat(), "limit": "1"}
        )
        assert [item["id"] for item in again.json()["items"]] == [first]
        assert again.json()["next_cursor"] is not None

    async def test_the_clock_lapses_holds_and_starts_sessions(self, floor: Floor) -> None:
        session_id = await floor.schedule(capacity=5)
        assert (await floor.hold(floor.headers())).status_code == 201
        schedule = Schedule(floor)
        assert (await schedule.item(session_id))["held"] == 1
        with time.frozen(time.now() + timedelta(minutes=11)):
            assert (await schedule.item(session_id))["held"] == 0
        with time.frozen(floor.starts_at + timedelta(minutes=1)):
            started = await schedule.item(session_id)
        assert started["status"] == "in_progress"


class TestPageCache:
    READ = datetime(2026, 11, 23, 8, tzinfo=UTC)

    def _page(self, body: bytes, fresh_until: datetime | None = None) -> CachedPage:
        return CachedPage("1:0", self.READ, fresh_until, body)

    def _key(self, limit: int) -> PageKey:
        where = SessionFilter(starts_from=datetime(2026, 11, 23, tzinfo=UTC))
        return PageKey(uuid.UUID(int=1), where, None, limit)

    def test_it_keeps_the_pages_used_last(self) -> None:
        cache, now = PageCache(2), self.READ
        for limit in (1, 2):
            cache.put(self._key(limit), self._page(b"%d" % limit))
        assert cache.get(self._key(1), now) is not None  # now used more recently than 2
        cache.put(self._key(3), self._page(b"3"))
        assert [cache.get(self._key(n), now) is not None for n in (1, 2, 3)] == [True, False, True]

    def test_a_page_the_clock_changed_is_not_given(self) -> None:
        cache, now = PageCache(2), self.READ
        cache.put(self._key(1), self._page(b"1", fresh_until=now + timedelta(seconds=1)))
        assert cache.get(self._key(1), now) is not None
        assert cache.get(self._key(1), now + timedelta(seconds=1)) is None
        assert cache.get(self._key(1), now - timedelta(seconds=1)) is None  # clock set back

    def test_it_keeps_at_least_one_page(self) -> None:
        with pytest.raises(ValueError, match="at least one"):
            PageCache(0)
