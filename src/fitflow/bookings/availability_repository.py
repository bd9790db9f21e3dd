"""Queries of trainers' availability for 1:1 appointments."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.bookings.models import AvailabilityException, ClassSession, TrainerAvailability


async def trainer_busy(
    session: AsyncSession, trainer_id: uuid.UUID, after: datetime, before: datetime
) -> list[tuple[datetime, datetime]]:
    """The trainer's sessions (not cancelled) and time away overlapping [after, before)."""
    sessions = await session.execute(
        select(ClassSession.starts_at, ClassSession.ends_at).where(
            ClassSession.trainer_id == trainer_id,
            ClassSession.status != "cancelled",
            ClassSession.starts_at < before,
            ClassSession.ends_at > after,
        )
    )
    away = await session.execute(
        select(AvailabilityException.starts_at, AvailabilityException.ends_at).where(
            AvailabilityException.trainer_id == trainer_id,
            AvailabilityException.starts_at < before,
            AvailabilityException.ends_at > after,
        )
    )
    return [(row[0], row[1]) for row in (*sessions, *away)]


async def windows_of(session: AsyncSession, trainer_id: uuid.UUID) -> Sequence[TrainerAvailability]:
    rows = await session.scalars(
        select(TrainerAvailability)
        .where(TrainerAvailability.trainer_id == trainer_id)
        .order_by(TrainerAvailability.weekday, TrainerAvailability.starts)
    )
    return rows.all()


async def replace_windows(
    session: AsyncSession, trainer_id: uuid.UUID, windows: Sequence[TrainerAvailability]
) -> None:
    await session.execute(
        delete(TrainerAvailability).where(TrainerAvailability.trainer_id == trainer_id)
    )
    session.add_all(windows)
    await session.flush()


async def exceptions_from(
    session: AsyncSession, trainer_id: uuid.UUID, since: datetime
) -> Sequence[AvailabilityException]:
    rows = await session.scalars(
        select(AvailabilityException)
        .where(
            AvailabilityException.trainer_id == trainer_id, AvailabilityException.ends_at > since
        )
        .order_by(AvailabilityException.starts_at)
    )
    return rows.all()


async def exception(
    session: AsyncSession, trainer_id: uuid.UUID, exception_id: uuid.UUID
) -> AvailabilityException | None:
    found: AvailabilityException | None = await session.scalar(
        select(AvailabilityException).where(
            AvailabilityException.trainer_id == trainer_id,
            AvailabilityException.id == exception_id,
        )
    )
    return found
