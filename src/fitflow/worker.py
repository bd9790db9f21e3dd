"""The procrastinate app: every domain's `tasks` module registers its jobs on it.

The web process defers jobs through it; `fitflow worker` (or the in-process worker of the
demo) runs them.
"""

from __future__ import annotations

from procrastinate import App, PsycopgConnector

from fitflow.config import Settings
from fitflow.kit.db import libpq_url

TASK_MODULES = [
    "fitflow.auth.tasks",
    "fitflow.bookings.tasks",
    "fitflow.credits.tasks",
    "fitflow.memberships.tasks",
    "fitflow.notifications.tasks",
    "fitflow.payments.tasks",
    "fitflow.payments.refund_tasks",
    "fitflow.payments.subscription_tasks",
    "fitflow.payments.grace_tasks",
    "fitflow.maintenance",
]
QUEUES = ["default", "notifications"]

app = App(connector=PsycopgConnector(), import_paths=TASK_MODULES)


async def run(url: str, settings: Settings, *, in_process: bool = False, wait: bool = True) -> None:
    """Run jobs until cancelled, or with wait=False until the queue is empty: then one job
    at a time, since a worker that finds nothing to fetch stops, and jobs that a running
    job defers would be left behind. The app's own connector is replaced while the worker
    runs, since its tasks (and the periodic deferrer) are bound to this very app."""
    concurrency = settings.jobs.concurrency if wait else 1
    connector = PsycopgConnector(conninfo=libpq_url(url), min_size=1, max_size=concurrency + 2)
    with app.replace_connector(connector) as running:
        async with running.open_async():
            await running.run_worker_async(
                queues=QUEUES,
                concurrency=concurrency,
                wait=wait,
                install_signal_handlers=not in_process,
                delete_jobs="successful",
            )
