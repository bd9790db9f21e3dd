from __future__ import annotations

from fitflow.bookings import cancellation, schedules, sweep
from fitflow.config import get_settings
from fitflow.kit import time
from fitflow.kit.jobs import job_session
from fitflow.kit.logging import get_logger
from fitflow.worker import app

log = get_logger("fitflow.bookings")


@app.periodic(cron=get_settings().jobs.hold_sweep_cron)
@app.task(name="bookings.expire_holds", queueing_lock="bookings.expire_holds")
async def expire_holds(timestamp: int) -> None:
    """Mark lapsed holds and offers expired and give their spots to the waitlists."""
    async with job_session() as session:
        touched = await sweep.expire_lapsed_holds(session, now=time.now())
    if touched:
        log.info("holds_expired", sessions=touched)


@app.periodic(cron=get_settings().jobs.no_show_cron)
@app.task(name="bookings.record_no_shows", queueing_lock="bookings.record_no_shows")
async def record_no_shows(timestamp: int) -> None:
    """Turn unchecked bookings past start + grace into no-shows with a strike."""
    async with job_session() as session:
        count = await cancellation.record_no_shows(session, now=time.now())
    if count:
        log.info("no_shows_recorded", count=count)


@app.periodic(cron=get_settings().jobs.schedule_cron)
@app.task(name="bookings.materialise_schedules", queueing_lock="bookings.materialise_schedules")
async def materialise_schedules(timestamp: int) -> None:
    """Write every running schedule's sessions ahead."""
    weeks = get_settings().jobs.schedule_weeks_ahead
    async with job_session() as session:
        written = await schedules.materialise_all(session, now=time.now(), weeks_ahead=weeks)
    if written:
        log.info("sessions_materialised", count=written)
