from __future__ import annotations

from fitflow.config import get_settings
from fitflow.credits import service
from fitflow.kit import time
from fitflow.kit.jobs import job_session
from fitflow.worker import app


@app.periodic(cron=get_settings().jobs.credit_expiry_cron)
@app.task(name="credits.expire_lots", queueing_lock="credits.expire_lots")
async def expire_lots(timestamp: int) -> None:
    """Record the expiry of lots past their date (tidy-up; balances never wait for it)."""
    async with job_session() as session:
        await service.expire_due(session, at=time.now())
