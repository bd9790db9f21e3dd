"""The landing page, the password-reset page and, in development, the email outbox."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from fitflow.config import Environment
from fitflow.notifications import service as notifications
from fitflow.organizations import service as organizations

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
LANDING_STUDIOS = 20
LOOPBACK = frozenset({"127.0.0.1", "::1"})


@router.get("/", response_class=HTMLResponse)
async def landing(request: Request) -> HTMLResponse:
    """What FitFlow is, the studios it hosts and where the API documentation is."""
    async with request.app.state.database.sessions() as session:
        studios = await organizations.showcase(session, LANDING_STUDIOS)
    development = request.app.state.settings.env is Environment.development
    return templates.TemplateResponse(
        request, "landing.html", {"studios": studios, "development": development}
    )


@router.get("/reset-password", response_class=HTMLResponse)
async def reset_password(request: Request, token: str = "") -> HTMLResponse:
    """The form that sets a new password with the emailed token (through the JSON API)."""
    return templates.TemplateResponse(request, "reset_password.html", {"token": token})


@router.get("/checkout/return", response_class=HTMLResponse)
async def checkout_return(request: Request, result: str = "success") -> HTMLResponse:
    """Where Stripe's payment page sends the member back. It claims nothing about the
    payment: the order changes only when Stripe's event arrives."""
    paid = result == "success"
    return templates.TemplateResponse(request, "checkout_return.html", {"paid": paid})


@router.get("/dev/outbox", response_class=HTMLResponse)
async def outbox(request: Request) -> HTMLResponse:
    """The emails kept instead of sent: development only, and only to this machine,
    since it shows password-reset links."""
    loopback = request.client is not None and request.client.host in LOOPBACK
    if request.app.state.settings.env is not Environment.development or not loopback:
        return HTMLResponse("Not found", status_code=404)
    async with request.app.state.database.sessions() as session:
        emails = await notifications.outbox(session)
    return templates.TemplateResponse(request, "outbox.html", {"emails": emails})
