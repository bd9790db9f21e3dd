"""The landing page, the password-reset page and, in development, the email outbox."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import select

from fitflow.config import Environment
from fitflow.notifications import service as notifications
from fitflow.organizations.models import Organization

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
LANDING_STUDIOS = 20


@router.get("/", response_class=HTMLResponse)
async def landing(request: Request) -> HTMLResponse:
    async with request.app.state.database.sessions() as session:
        studios = (
            await session.scalars(
                select(Organization).order_by(Organization.created_at).limit(LANDING_STUDIOS)
            )
        ).all()
    development = request.app.state.settings.env is Environment.development
    return templates.TemplateResponse(
        request, "landing.html", {"studios": studios, "development": development}
    )


@router.get("/reset-password", response_class=HTMLResponse)
async def reset_password(request: Request, token: str = "") -> HTMLResponse:
    return templates.TemplateResponse(request, "reset_password.html", {"token": token})


@router.get("/dev/outbox", response_class=HTMLResponse)
async def outbox(request: Request) -> HTMLResponse:
    """The emails kept instead of sent; development only, since it shows reset links."""
    if request.app.state.settings.env is not Environment.development:
        return HTMLResponse("Not found", status_code=404)
    async with request.app.state.database.sessions() as session:
        emails = await notifications.outbox(session)
    return templates.TemplateResponse(request, "outbox.html", {"emails": emails})
