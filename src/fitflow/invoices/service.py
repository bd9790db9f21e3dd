"""Invoices and credit notes: issued by the payments code in the transaction where an
order is paid or money goes back, and read by staff and by the member they bill."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

import anyio
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.invoices import documents, repository, tax
from fitflow.invoices.documents import Document
from fitflow.invoices.errors import InvoiceNotFound
from fitflow.invoices.models import Invoice
from fitflow.invoices.schemas import InvoiceKind, InvoiceLine, InvoiceRead, Seller
from fitflow.kit import time
from fitflow.kit.pagination import Page, PageParams
from fitflow.members import service as members
from fitflow.members.errors import MemberNotFound
from fitflow.organizations import service as organizations
from fitflow.organizations.models import Organization
from fitflow.organizations.permissions import Action, Actor, allowed, require
from fitflow.payments.models import Order, OrderRefund


async def issue_for_order(session: AsyncSession, order: Order) -> Invoice:
    """The order's invoice, issued once (a second call returns the first invoice): the
    order's description, amount and currency, the studio's legal details and tax rate
    now. Takes the studio's invoice counter row lock until the transaction ends, so
    call it last in the transaction that makes the order paid."""
    existing = await repository.invoice_of_order(session, order.organization_id, order.id)
    if existing is not None:
        return existing
    organization = await _studio(session, order.organization_id)
    tax_minor = tax.included_tax(order.amount_minor, organization.tax_rate_bp)
    draft = _draft(
        order,
        "invoice",
        seller=_seller_of(organization),
        buyer=await _buyer(session, order),
        line=_line(order.description, order.amount_minor),
        tax=(organization.tax_rate_bp, tax_minor),
    )
    return await _issue(
        session,
        draft,
        partial(repository.invoice_of_order, session, order.organization_id, order.id),
    )


async def credit_note_for_refund(
    session: AsyncSession, order: Order, refund: OrderRefund
) -> Invoice:
    """The credit note for a refund or a void of `order`, issued once per refund: its
    amount, at the credited invoice's tax rate (the order's invoice is issued first if it
    has none). Callers hold the order's row lock, so what was credited before is settled;
    takes the studio's credit-note counter row lock until the transaction ends."""
    found = await repository.credit_note_of_refund(session, order.organization_id, refund.id)
    if found is not None:
        return found
    invoice = await issue_for_order(session, order)
    credited = await repository.credited_minor(session, invoice.id)
    tax_minor = tax.credited_tax(
        invoice_total_minor=invoice.total_minor,
        invoice_tax_minor=invoice.tax_minor,
        credited_minor=credited,
        amount_minor=refund.amount_minor,
    )
    organization = await _studio(session, order.organization_id)
    draft = _draft(
        order,
        "credit_note",
        seller=_seller_of(organization),
        buyer=invoice.buyer,
        line=_line(_what_was_credited(invoice, order, refund), refund.amount_minor),
        tax=(invoice.tax_rate_bp, tax_minor),
        refund_id=refund.id,
        credited_invoice_id=invoice.id,
    )
    return await _issue(
        session,
        draft,
        partial(repository.credit_note_of_refund, session, order.organization_id, refund.id),
    )


def _draft(
    order: Order,
    kind: str,
    *,
    seller: dict[str, Any],
    buyer: dict[str, Any],
    line: dict[str, Any],
    tax: tuple[int, int],
    **links: uuid.UUID,
) -> Invoice:
    """An unnumbered document of one line for `order`, in the order's currency; `tax` is
    the rate in basis points and the tax the line's total includes."""
    rate_bp, tax_minor = tax
    total_minor = int(line["total_minor"])
    return Invoice(
        id=uuid.uuid4(),
        organization_id=order.organization_id,
        kind=kind,
        order_id=order.id,
        member_id=order.member_id,
        currency=order.currency,
        seller=seller,
        buyer=buyer,
        lines=[line],
        subtotal_minor=total_minor - tax_minor,
        tax_rate_bp=rate_bp,
        tax_minor=tax_minor,
        total_minor=total_minor,
        **links,
    )


async def _issue(
    session: AsyncSession, draft: Invoice, written: Callable[[], Awaitable[Invoice | None]]
) -> Invoice:
    """Number and insert `draft` in one savepoint: when a concurrent call issued the same
    document first, its unique key refuses this one, the number goes back, and the
    committed document is returned."""
    try:
        async with session.begin_nested():
            number = await repository.next_number(session, draft.organization_id, draft.kind)
            draft.number, draft.display_number = number, tax.display_number(draft.kind, number)
            draft.issued_at = time.now()
            await repository.add(session, draft)
    except IntegrityError:
        winner = await written()
        if winner is None:
            raise
        return winner
    return draft


def _seller_of(organization: Organization) -> dict[str, Any]:
    return Seller(
        name=organization.name,
        legal_name=organization.legal_name or organization.name,
        address=organization.address,
        tax_id=organization.tax_id,
        email=organization.contact_email,
        phone=organization.phone,
        website=organization.website,
        footer=organization.invoice_footer,
    ).model_dump(mode="json")


async def _buyer(session: AsyncSession, order: Order) -> dict[str, Any]:
    found = await repository.buyer(session, order.organization_id, order.member_id)
    if found is None:
        raise MemberNotFound()
    name, email = found
    return {"member_id": str(order.member_id), "name": name, "email": email}


async def _studio(session: AsyncSession, organization_id: uuid.UUID) -> Organization:
    return (await organizations.by_ids(session, [organization_id]))[organization_id]


def _line(description: str, amount_minor: int) -> dict[str, Any]:
    return InvoiceLine(
        description=description, quantity=1, unit_minor=amount_minor, total_minor=amount_minor
    ).model_dump()


def _what_was_credited(invoice: Invoice, order: Order, refund: OrderRefund) -> str:
    if refund.kind == "void":
        what = "Void of"
    elif refund.amount_minor == invoice.total_minor:
        what = "Refund of"
    else:
        what = "Partial refund of"
    return f"{what} {invoice.display_number}: {order.description}"


async def invoices(
    session: AsyncSession,
    actor: Actor,
    *,
    member_id: uuid.UUID | None,
    kind: InvoiceKind | None,
    params: PageParams,
) -> Page[InvoiceRead]:
    """The studio's invoices and credit notes, newest first (receptionist+)."""
    require(actor, Action.view_invoices)
    return await _page(session, actor, member_id=member_id, kind=kind, params=params)


async def own_invoices(
    session: AsyncSession, actor: Actor, *, kind: InvoiceKind | None, params: PageParams
) -> Page[InvoiceRead]:
    """The caller's own invoices and credit notes in the studio, newest first; 404 for
    someone who is not a member."""
    member_id = await members.own_member_id(session, actor)
    return await _page(session, actor, member_id=member_id, kind=kind, params=params)


async def _page(
    session: AsyncSession,
    actor: Actor,
    *,
    member_id: uuid.UUID | None,
    kind: InvoiceKind | None,
    params: PageParams,
) -> Page[InvoiceRead]:
    rows, cursor = await repository.page(
        session, actor.organization_id, member_id=member_id, kind=kind, params=params
    )
    return Page(items=[InvoiceRead.model_validate(row[0]) for row in rows], next_cursor=cursor)


async def invoice(session: AsyncSession, actor: Actor, invoice_id: uuid.UUID) -> InvoiceRead:
    """One invoice or credit note: staff (receptionist+) read any of the studio's, a
    member only their own; to anyone else it does not exist."""
    return InvoiceRead.model_validate(await _visible(session, actor, invoice_id))


async def invoice_html(
    session: AsyncSession, actor: Actor, organization: Organization, invoice_id: uuid.UUID
) -> str:
    """The invoice as a printable HTML page (same readers as `invoice`)."""
    return documents.html(await _printable(session, actor, organization, invoice_id))


async def invoice_pdf(
    session: AsyncSession, actor: Actor, organization: Organization, invoice_id: uuid.UUID
) -> tuple[str, bytes]:
    """The invoice's display number and its PDF, drawn in a worker thread (same readers
    as `invoice`)."""
    doc = await _printable(session, actor, organization, invoice_id)
    return doc.number, await anyio.to_thread.run_sync(_pdf, doc)


def _pdf(doc: Document) -> bytes:
    # fpdf2 (with Pillow) takes seconds to import on a small machine: only the process
    # that renders a PDF pays for it, not every worker's start.
    from fitflow.invoices import pdf  # noqa: PLC0415

    return pdf.render(doc, fonts=pdf.unicode_fonts())


async def _printable(
    session: AsyncSession, actor: Actor, organization: Organization, invoice_id: uuid.UUID
) -> Document:
    found = await _visible(session, actor, invoice_id)
    credited = None
    if found.credited_invoice_id is not None:
        credited = await repository.by_id(session, found.organization_id, found.credited_invoice_id)
    return documents.document(
        InvoiceRead.model_validate(found),
        timezone=organization.timezone,
        credited_number=credited.display_number if credited else None,
    )


async def _visible(session: AsyncSession, actor: Actor, invoice_id: uuid.UUID) -> Invoice:
    found = await repository.by_id(session, actor.organization_id, invoice_id)
    if found is None:
        raise InvoiceNotFound()
    if allowed(actor, Action.view_invoices) or await members.is_own(
        session, actor, found.member_id
    ):
        return found
    raise InvoiceNotFound()
