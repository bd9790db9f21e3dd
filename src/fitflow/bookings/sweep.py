"""The hold sweep: records lapsed holds and offers and offers their spots on (spots were
already free by the clock), and promotes waitlists that sit beside a free spot (a join
that crossed a cancellation unseen)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.bookings import repository, waitlist
from fitflow.organizations import service as organizations


async def expire_lapsed_holds(session: AsyncSession, *, now: datetime, batch: int = 200) -> int:
    """Tidy every session with a lapsed hold, or with people waiting beside a free spot
    (up to `batch` of each), one at a time in start order; the number tidied."""
    found = {
        row.id: row
        for row in (
            *await repository.sessions_with_lapsed_holds(session, now=now, limit=batch),
            *await repository.sessions_with_waiting_beside_free_spots(
                session, now=now, limit=batch
            ),
        )
    }
    due = sorted(found.values(), key=lambda row: (row.starts_at, row.id))
    studios = await organizations.by_ids(session, list({row.organization_id for row in due}))
    for class_session in due:
        await waitlist.tidy(session, studios[class_session.organization_id], class_session, now)
    return len(due)
