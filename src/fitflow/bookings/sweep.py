"""The hold sweep: records lapsed holds and offers and offers their spots on, promotes
waitlists that sit beside a free spot (a join that crossed a cancellation unseen), and
closes the waitlists of sessions booking has closed for. Lapsed holds still count in
`taken` until recorded; the next booking attempt on a full class records them first, so
no one waits for the sweep."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.bookings import repository, waitlist
from fitflow.bookings import waitlist_repository as waitlists
from fitflow.organizations import service as organizations


async def sessions_to_tidy(
    session: AsyncSession, *, now: datetime, batch: int = 200
) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(studio, session) of sessions with a lapsed hold or people waiting beside a free
    spot, up to `batch` of each, in start order."""
    lapsed = await repository.sessions_with_lapsed_holds(session, now=now, limit=batch)
    stuck = await repository.sessions_with_waiting_beside_free_spots(session, now=now, limit=batch)
    found = {row.id: row for row in (*lapsed, *stuck)}
    ordered = sorted(found.values(), key=lambda row: (row.starts_at, row.id))
    return [(row.organization_id, row.id) for row in ordered]


async def tidy_one(
    session: AsyncSession, organization_id: uuid.UUID, session_id: uuid.UUID, *, now: datetime
) -> None:
    class_session = await repository.class_session(session, organization_id, session_id)
    if class_session is None:
        return
    studio = (await organizations.by_ids(session, [organization_id]))[organization_id]
    await waitlist.tidy(session, studio, class_session, now)


async def close_past_waitlists(session: AsyncSession, *, now: datetime) -> int:
    """People still waiting for sessions that have started stop waiting (`expired`)."""
    return await waitlists.expire_started(session, now)


async def expire_lapsed_holds(session: AsyncSession, *, now: datetime) -> int:
    """The whole sweep in the caller's transaction (tests and tools); the sessions tidied."""
    due = await sessions_to_tidy(session, now=now)
    for organization_id, session_id in due:
        await tidy_one(session, organization_id, session_id, now=now)
    await close_past_waitlists(session, now=now)
    return len(due)
