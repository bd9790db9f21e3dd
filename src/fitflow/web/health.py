"""Liveness, readiness and Prometheus metrics: for load balancers and monitoring, not
part of the public API document."""

from __future__ import annotations

import asyncio
import hmac

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from fitflow.kit import metrics
from fitflow.kit.migrations import is_current_enough

router = APIRouter(include_in_schema=False)


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up and answering."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """Ready for traffic: the database answers and has every migration this code needs
    (a newer schema from a rolling upgrade is fine)."""
    try:
        async with request.app.state.database.sessions() as session:
            current_enough = await is_current_enough(session)
    except (SQLAlchemyError, OSError) as exc:
        return JSONResponse({"status": "unavailable", "database": str(exc)[:200]}, 503)
    if not current_enough:
        return JSONResponse({"status": "unavailable", "database": "migrations pending"}, 503)
    worker: asyncio.Task[None] | None = getattr(request.app.state, "worker", None)
    if worker is not None and worker.done():
        return JSONResponse({"status": "unavailable", "worker": "stopped"}, 503)
    return JSONResponse({"status": "ready"})


@router.get("/metrics")
async def prometheus_metrics(request: Request) -> Response:
    """Prometheus text; with a configured token, only for scrapers that present it."""
    token = request.app.state.settings.metrics.token
    if token is not None:
        given = request.headers.get("authorization", "").removeprefix("Bearer ")
        if not hmac.compare_digest(given.encode(), token.get_secret_value().encode()):
            return Response(status_code=401, headers={"WWW-Authenticate": "Bearer"})
    body, content_type = metrics.render()
    return Response(body, media_type=content_type)
