"""Jobs on the same database: defer inside the caller's transaction, run with a session
the task runner owns."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from procrastinate import App
from procrastinate.jobs import Job
from procrastinate.retry import BaseRetryStrategy, RetryDecision
from procrastinate.tasks import Task
from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.kit.db import current_database


async def defer(session: AsyncSession, task: Task[Any, Any, Any], **task_kwargs: Any) -> int:
    """Queue `task` on the session's own connection, so the job row commits or rolls
    back with the change that caused it. Returns the job id."""
    deferrer = task.configure(connection=await _driver_connection(session))
    job_id: int = await deferrer.defer_async(**task_kwargs)
    return job_id


async def defer_by_name(session: AsyncSession, app: App, name: str, **task_kwargs: Any) -> int:
    """`defer` for a task known by its stable name only, so a domain can queue another
    domain's job without importing it."""
    connection = await _driver_connection(session)
    deferrer = app.configure_task(name, allow_unknown=False, connection=connection)
    job_id: int = await deferrer.defer_async(**task_kwargs)
    return job_id


async def _driver_connection(session: AsyncSession) -> Any:
    """The psycopg connection under the session's transaction."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    return raw.driver_connection


@asynccontextmanager
async def job_session() -> AsyncIterator[AsyncSession]:
    """A session for one job run: committed when the block ends, rolled back on error."""
    async with current_database().sessions() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        await session.commit()


class ConfiguredRetry(BaseRetryStrategy):
    """Exponential backoff whose number of retries is read from settings when a job fails,
    so operators and tests can change it without re-importing the task."""

    def __init__(self, max_retries: Callable[[], int], base_seconds: Callable[[], int]) -> None:
        self.max_retries = max_retries
        self.base_seconds = base_seconds

    def is_last_attempt(self, attempts: int) -> bool:
        """`attempts` counts the runs before this one."""
        return attempts >= self.max_retries()

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        if self.is_last_attempt(job.attempts):
            return None
        return RetryDecision(retry_in={"seconds": self.base_seconds() ** (job.attempts + 1)})
