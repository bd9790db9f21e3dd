from __future__ import annotations

from fitflow.bookings import cancellation, schedules, sweep
from fitflow.config import get_settings
from fitflow.kit import time
from fitflow.kit.errors import AppError
from fitflow.kit.jobs import job_session
from fitflow.kit.logging import get_logger
from fitflow.worker import app

log = get_logger("fitflow.bookings")


@app.periodic(cron=get_settings().jobs.hold_sweep_cron)
@app.task(name="bookings.expire_holds", queueing_lock="bookings.expire_holds")
async def expire_holds(timestamp: int) -> None:
    """Mark lapsed holds and offers expired and give their spots to the waitlists, one
    session per transaction (so no booking waits for the whole sweep); close the
    waitlists of sessions booking has closed for."""
    async with job_session() as session:
        now = time.now()
        due = await sweep.sessions_to_tidy(session, now=now)
        closed = await sweep.close_past_waitlists(session, now=now)
    for organization_id, session_id in due:
        async with job_session() as session:
            await sweep.tidy_one(session, organization_id, session_id, now=time.now())
    if due or closed:
        log.info("holds_swept", sessions=len(due), waitlists_closed=closed)


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
    """Write every running schedule's sessions ahead, each in a transaction of its own,
    so one schedule that cannot be written (its class type archived) stops no other."""
    weeks, written = get_settings().jobs.schedule_weeks_ahead, 0
    async with job_session() as session:
        running = await schedules.running_ids(session)
    for organization_id, schedule_id in running:
        try:
            async with job_session() as session:
                written += await schedules.materialise_one(
                    session, organization_id, schedule_id, now=time.now(), weeks_ahead=weeks
                )
        except AppError as refused:
            log.warning("schedule_not_materialised", schedule=str(schedule_id), code=refused.code)
    if written:
        log.info("sessions_materialised", count=written)
