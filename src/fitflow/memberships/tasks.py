from __future__ import annotations

from fitflow.config import get_settings
from fitflow.kit import time
from fitflow.kit.jobs import job_session
from fitflow.kit.logging import get_logger
from fitflow.memberships import expiry
from fitflow.worker import app

log = get_logger("fitflow.memberships")


@app.periodic(cron=get_settings().jobs.membership_tidy_cron)
@app.task(name="memberships.tidy", queueing_lock="memberships.tidy")
async def tidy(timestamp: int) -> None:
    """Record ended memberships and warn members whose membership ends soon."""
    warning_days = get_settings().notifications.membership_expiry_warning_days
    async with job_session() as session:
        now = time.now()
        ended = await expiry.record_ended(session, at=now)
        warned = await expiry.warn_ending_soon(session, at=now, warning_days=warning_days)
    log.info("memberships_tidied", ended=ended, warned=warned)
