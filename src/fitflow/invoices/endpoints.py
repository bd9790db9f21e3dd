"""/api/v1/orgs/{org}/invoices and /me/invoices: invoices and credit notes as JSON,
printable HTML and PDF."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query, Response
from fastapi.responses import HTMLResponse

from fitflow.auth.deps import Session
from fitflow.invoices import service
from fitflow.invoices.errors import InvoiceNotFound
from fitflow.invoices.schemas import InvoiceKind, InvoiceRead
from fitflow.kit.errors import PermissionDenied, raises
from fitflow.kit.pagination import Page, PageParams, page_params
from fitflow.kit.unit_of_work import api_router
from fitflow.members.errors import MemberNotFound
from fitflow.organizations.deps import Caller

router = api_router("invoices")
Paging = Annotated[PageParams, Depends(page_params)]
Kind = Annotated[InvoiceKind | None, Query(description="Only invoices or only credit notes")]
PRIVATE = {"Cache-Control": "private, no-store"}


@router.get("/orgs/{org}/invoices")
@raises(PermissionDenied)
async def list_invoices(
    caller: Caller,
    session: Session,
    paging: Paging,
    member_id: Annotated[uuid.UUID | None, Query()] = None,
    kind: Kind = None,
) -> Page[InvoiceRead]:
    """The studio's invoices and credit notes, newest first (receptionist+)."""
    return await service.invoices(
        session, caller.actor, member_id=member_id, kind=kind, params=paging
    )


@router.get("/orgs/{org}/me/invoices")
@raises(MemberNotFound)
async def my_invoices(
    caller: Caller, session: Session, paging: Paging, kind: Kind = None
) -> Page[InvoiceRead]:
    """Your invoices and credit notes in this studio, newest first."""
    return await service.own_invoices(session, caller.actor, kind=kind, params=paging)


@router.get(
    "/orgs/{org}/invoices/{invoice_id}.html",
    response_class=Response,
    responses={200: {"content": {"text/html": {}}}},
)
@raises(InvoiceNotFound)
async def invoice_html(invoice_id: uuid.UUID, caller: Caller, session: Session) -> HTMLResponse:
    """The invoice as a printable HTML page (receptionist+, or the member it bills)."""
    page = await service.invoice_html(session, caller.actor, caller.organization, invoice_id)
    return HTMLResponse(page, headers=PRIVATE)


@router.get(
    "/orgs/{org}/invoices/{invoice_id}.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
@raises(InvoiceNotFound)
async def invoice_pdf(invoice_id: uuid.UUID, caller: Caller, session: Session) -> Response:
    """The invoice as a PDF (receptionist+, or the member it bills)."""
    number, document = await service.invoice_pdf(
        session, caller.actor, caller.organization, invoice_id
    )
    disposition = f'inline; filename="{number}.pdf"'
    return Response(
        document,
        media_type="application/pdf",
        headers={**PRIVATE, "Content-Disposition": disposition},
    )


@router.get("/orgs/{org}/invoices/{invoice_id}")
@raises(InvoiceNotFound)
async def get_invoice(invoice_id: uuid.UUID, caller: Caller, session: Session) -> InvoiceRead:
    """One invoice or credit note (receptionist+, or the member it bills)."""
    return await service.invoice(session, caller.actor, invoice_id)
