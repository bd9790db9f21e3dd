from __future__ import annotations

from fitflow.auth import service
from fitflow.config import get_settings
from fitflow.kit.jobs import job_session
from fitflow.worker import app


@app.periodic(cron=get_settings().jobs.purge_cron)
@app.task(name="auth.purge_expired", queueing_lock="auth.purge_expired")
async def purge_expired(timestamp: int) -> None:
    """Remove expired refresh and reset tokens and finished failure streaks."""
    async with job_session() as session:
        await service.purge_expired(session, get_settings().lockout)
