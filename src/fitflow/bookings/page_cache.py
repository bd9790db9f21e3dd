"""The schedule page cache: each API process keeps the JSON of the schedule pages it
served lately and serves one again, without reading or serialising its sessions, when
PostgreSQL says the page is unchanged.

"Unchanged" is checked on every request, in the request's own snapshot, by one cheap
statement: the page's fingerprint (`listing_repository.page_fingerprint`), the revision,
waitlist length and hold expiries of each session the page would list (and of the one
after it, which decides the next cursor). A trigger gives a session row a new revision
at every insert and update, so a hit is never stale, whichever process, job or raw
statement made the change. What the clock alone changes (a hold lapsing, a session
starting or ending) is covered by each entry's `fresh_until`.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.bookings import listing_repository as listing
from fitflow.bookings.repository import SessionFilter
from fitflow.bookings.schemas import SessionList
from fitflow.kit import time
from fitflow.kit.metrics import counter
from fitflow.kit.pagination import PageParams

LOOKUPS = counter("schedule_page_cache_total", "Schedule page cache lookups.", ("result",))


@dataclass(frozen=True)
class PageKey:
    """What a page was asked for, as the caller sees it (`where.with_drafts`)."""

    organization_id: uuid.UUID
    where: SessionFilter
    cursor: str | None
    limit: int


@dataclass(frozen=True)
class CachedPage:
    """A page's JSON as read at `read_at`, and its fingerprint then."""

    fingerprint: str
    read_at: datetime
    fresh_until: datetime | None
    """When the clock next changes what the page shows; None if it never will."""
    body: bytes

    def fresh_at(self, now: datetime) -> bool:
        """Whether the clock shows the page as it did when read (a clock set back, as
        tests do, reads it anew)."""
        return self.read_at <= now and (self.fresh_until is None or now < self.fresh_until)


class PageCache:
    """The `size` schedule pages used most recently, by what was asked for."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError("a page cache keeps at least one page")
        self._size = size
        self._pages: OrderedDict[PageKey, CachedPage] = OrderedDict()

    def get(self, key: PageKey, now: datetime) -> CachedPage | None:
        """The page kept for `key` if the clock has not changed it since; still to be
        checked against the database's fingerprint."""
        page = self._pages.get(key)
        if page is None or not page.fresh_at(now):
            return None
        self._pages.move_to_end(key)
        return page

    def put(self, key: PageKey, page: CachedPage) -> None:
        self._pages[key] = page
        self._pages.move_to_end(key)
        while len(self._pages) > self._size:
            self._pages.popitem(last=False)


def keeps(where: SessionFilter) -> bool:
    """Whether such a page can be kept. Not a page from now: it moves with the clock.
    Not an `available_only` page: a session outside it can enter it when a hold lapses,
    which no fingerprint of the page shows."""
    return not where.from_now and not where.available_only


async def serve(
    cache: PageCache,
    session: AsyncSession,
    organization_id: uuid.UUID,
    where: SessionFilter,
    params: PageParams,
) -> bytes:
    """The page's JSON (a page that `keeps` allows): the kept one while its fingerprint
    holds, else read anew and kept."""
    now = time.now()
    key = PageKey(organization_id, where, params.cursor, params.limit)
    kept = cache.get(key, now)
    if kept is not None:
        fingerprint = await listing.page_fingerprint(session, organization_id, where, params, now)
        if fingerprint == kept.fingerprint:
            LOOKUPS.labels("hit").inc()
            return kept.body
    LOOKUPS.labels("miss").inc()
    found = await listing.session_rows(
        session, organization_id, where, params, now, fingerprinted=True
    )
    body = SessionList(found.rows, found.next_cursor, now).json()
    cache.put(key, CachedPage(found.fingerprint, now, _changes_by_clock(found, now), body))
    return body


def _changes_by_clock(found: listing.ListedRows, now: datetime) -> datetime | None:
    """The first instant after `now` at which the clock alone changes what the page
    shows: a listed session starts or ends, or one of its holds lapses."""
    rows = found.rows
    instants = [moment for row in rows for moment in (row.starts_at, row.ends_at)]
    instants += [row.next_lapse for row in rows if row.next_lapse is not None]
    return min((moment for moment in instants if moment > now), default=None)
