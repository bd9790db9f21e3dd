"""create_app(): the ASGI application with its lifespan, middleware and error handlers."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import anyio
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from fitflow import worker
from fitflow.api import api
from fitflow.auth.deps import caller_scope
from fitflow.auth.runtime import AuthRuntime
from fitflow.bookings import live
from fitflow.bookings.page_cache import PageCache
from fitflow.config import Settings, get_settings
from fitflow.kit import embedded, migrations
from fitflow.kit.db import Database, libpq_url, use_database
from fitflow.kit.errors import AppError, MalformedBody, ServiceBusy
from fitflow.kit.http import RequestContextMiddleware
from fitflow.kit.live import Broadcaster
from fitflow.kit.logging import get_logger
from fitflow.kit.ratelimit import RequestLimiter
from fitflow.kit.relay import Relay
from fitflow.web.health import router as health
from fitflow.web.pages import router as pages

log = get_logger("fitflow.app")

HTTP_ERROR_CODES = {
    400: MalformedBody.code,
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    """Build the service. Without `database`, the lifespan connects to the configured
    server (or starts the embedded one) and, when configured, runs the job worker."""
    settings = settings or get_settings()
    app = FastAPI(
        title="FitFlow",
        version="1.0.0",
        summary="Booking and management for fitness studios, gyms and personal trainers.",
        openapi_url="/api/v1/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.database = database
    app.state.auth = AuthRuntime.from_settings(settings)
    app.state.limiter = RequestLimiter(settings.redis_url)
    pages_kept = settings.server.schedule_pages_cached
    app.state.schedule_pages = PageCache(pages_kept) if pages_kept else None
    app.state.caller_scope = caller_scope
    app.state.live = Broadcaster(lambda: _conninfo(app), live.CHANNEL, live.keys_of)
    app.state.relay = Relay(lambda: _conninfo(app), settings.live.relay_interval_seconds)
    app.add_middleware(RequestContextMiddleware)
    app.add_exception_handler(AppError, _render_app_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _render_http_error)  # type: ignore[arg-type]
    app.add_exception_handler(PoolTimeout, _render_pool_timeout)  # type: ignore[arg-type]
    app.include_router(api)
    app.include_router(health)
    app.include_router(pages)
    return app


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    owns_database = app.state.database is None
    if owns_database:
        url = settings.database_url or await _start_embedded(settings)
        app.state.database = Database.connect(url, settings.database)
        if settings.run_worker_in_process:
            app.state.worker = asyncio.create_task(worker.run(url, settings, in_process=True))
            app.state.worker.add_done_callback(_report_worker_exit)
    use_database(app.state.database)
    app.state.relay.start()
    log.info("started", env=settings.env.value, in_process_worker=hasattr(app.state, "worker"))
    try:
        yield
    finally:
        await app.state.live.close()
        await app.state.relay.close()
        await _stop_worker(app)
        if owns_database:
            await app.state.database.dispose()


def _conninfo(app: FastAPI) -> str:
    """The libpq address of the app's database, for its LISTEN and relay connections."""
    database: Database = app.state.database
    return libpq_url(database.engine.url.render_as_string(hide_password=False))


async def _start_embedded(settings: Settings) -> str:
    """The embedded server, migrated (the CLI does this too; plain uvicorn does not)."""
    url = await anyio.to_thread.run_sync(embedded.start, settings.data_dir)
    await anyio.to_thread.run_sync(migrations.upgrade, url)
    return url


def _report_worker_exit(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("job_worker_stopped", exc_info=task.exception())


async def _stop_worker(app: FastAPI) -> None:
    task: asyncio.Task[None] | None = getattr(app.state, "worker", None)
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _render_app_error(request: Request, error: AppError) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.status, headers=error.headers)


async def _render_pool_timeout(request: Request, error: PoolTimeout) -> JSONResponse:
    """Overload is not a bug: 503 with Retry-After, logged as a warning."""
    log.warning("database_pool_exhausted", path=request.url.path)
    return await _render_app_error(request, ServiceBusy())


async def _render_http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
    code = HTTP_ERROR_CODES.get(error.status_code, "http_error")
    body = {"error": {"code": code, "message": str(error.detail), "data": {}}}
    return JSONResponse(body, status_code=error.status_code, headers=error.headers)
