"""Every query of the invoices domain."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.auth.models import User
from fitflow.invoices.models import Invoice, InvoiceCounter
from fitflow.kit.pagination import PageParams, keyset_page
from fitflow.members.models import Member


async def next_number(session: AsyncSession, organization_id: uuid.UUID, kind: str) -> int:
    """Take the next number of the studio's series: one statement that creates the
    counter at 1 or increments it, and keeps its row locked until the transaction ends."""
    statement = (
        insert(InvoiceCounter)
        .values(organization_id=organization_id, kind=kind, last_number=1)
        .on_conflict_do_update(
            index_elements=[InvoiceCounter.organization_id, InvoiceCounter.kind],
            set_={"last_number": InvoiceCounter.last_number + 1},
        )
        .returning(InvoiceCounter.last_number)
    )
    number: int = (await session.execute(statement)).scalar_one()
    return number


async def add(session: AsyncSession, invoice: Invoice) -> None:
    session.add(invoice)
    await session.flush()


async def by_id(
    session: AsyncSession, organization_id: uuid.UUID, invoice_id: uuid.UUID
) -> Invoice | None:
    invoice: Invoice | None = await session.scalar(
        select(Invoice).where(Invoice.organization_id == organization_id, Invoice.id == invoice_id)
    )
    return invoice


async def invoice_of_order(
    session: AsyncSession, organization_id: uuid.UUID, order_id: uuid.UUID
) -> Invoice | None:
    invoice: Invoice | None = await session.scalar(
        select(Invoice).where(
            Invoice.organization_id == organization_id,
            Invoice.order_id == order_id,
            Invoice.kind == "invoice",
        )
    )
    return invoice


async def credit_note_of_refund(
    session: AsyncSession, organization_id: uuid.UUID, refund_id: uuid.UUID
) -> Invoice | None:
    invoice: Invoice | None = await session.scalar(
        select(Invoice).where(
            Invoice.organization_id == organization_id, Invoice.refund_id == refund_id
        )
    )
    return invoice


async def credited_minor(session: AsyncSession, invoice_id: uuid.UUID) -> int:
    """How much of the invoice its credit notes have credited so far."""
    total = await session.scalar(
        select(func.coalesce(func.sum(Invoice.total_minor), 0)).where(
            Invoice.credited_invoice_id == invoice_id
        )
    )
    return int(total or 0)


async def buyer(
    session: AsyncSession, organization_id: uuid.UUID, member_id: uuid.UUID
) -> tuple[str, str] | None:
    """The member's name and email, from their account."""
    row = (
        await session.execute(
            select(User.full_name, User.email)
            .join(Member, Member.user_id == User.id)
            .where(Member.organization_id == organization_id, Member.id == member_id)
        )
    ).one_or_none()
    return (row[0], row[1]) if row else None


async def page(
    session: AsyncSession,
    organization_id: uuid.UUID,
    *,
    member_id: uuid.UUID | None,
    kind: str | None,
    params: PageParams,
) -> tuple[list[Any], str | None]:
    """The studio's invoices and credit notes, newest first, optionally one member's or
    one kind."""
    query = select(Invoice).where(Invoice.organization_id == organization_id)
    if member_id is not None:
        query = query.where(Invoice.member_id == member_id)
    if kind is not None:
        query = query.where(Invoice.kind == kind)
    return await keyset_page(
        session, query, key=(Invoice.issued_at, Invoice.id), params=params, newest_first=True
    )
