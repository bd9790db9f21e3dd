"""Flags on orders: what staff must look at (a payment that did not match, a dispute, a
refund the provider refused), each with an audit entry."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.audit import service as audit
from fitflow.kit import time
from fitflow.payments.models import Order, OrderRefund


async def flag(session: AsyncSession, order: Order, reason: str, detail: dict[str, Any]) -> None:
    order.flag, order.flag_detail, order.flagged_at = reason, detail, time.now()
    await audit.record(
        session,
        "order.flagged",
        organization_id=order.organization_id,
        subject_type="order",
        subject_id=order.id,
        data={"flag": reason, **detail},
    )


async def refund_failed(session: AsyncSession, order: Order, refund: OrderRefund) -> None:
    """The provider could not make a refund: staff must settle it with the member."""
    await flag(
        session,
        order,
        "refund_failed",
        {"refund_id": str(refund.id), "amount_minor": refund.amount_minor},
    )
