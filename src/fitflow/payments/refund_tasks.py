"""Jobs that send money back through the provider. They run after the transaction that
decided the refund has committed, and name each refund to the provider so a retry never
pays out twice."""

from __future__ import annotations

import uuid

from fitflow.audit import service as audit
from fitflow.kit.jobs import job_session
from fitflow.kit.logging import get_logger
from fitflow.payments import flags, providers, repository
from fitflow.payments.gateway import RefundRequest
from fitflow.worker import app

log = get_logger("fitflow.payments")
RETRY = 8


@app.task(name="payments.send_refund", retry=RETRY)
async def send_refund(refund_id: str) -> None:
    """Ask the provider for a refund recorded as pending; record what it answered. A
    refund the provider refuses flags its order for staff."""
    async with job_session() as session:
        refund = await repository.refund_by_id(session, uuid.UUID(refund_id))
        if refund is None or refund.status != "pending" or refund.provider_ref is not None:
            return
        order = await repository.by_id(session, refund.organization_id, refund.order_id)
        if order is None or order.payment_ref is None:
            return
        made = await providers.provider(order.provider, order.organization_id).refund(
            RefundRequest(
                key=f"refund-{refund.id}",
                payment_ref=order.payment_ref,
                amount_minor=refund.amount_minor,
                refund_id=refund.id,
            )
        )
        refund.provider_ref, refund.status = made.ref, made.status
        if made.status == "failed":
            await flags.refund_failed(session, order, refund)
    log.info("refund_sent", refund_id=refund_id, status=made.status)


@app.task(name="payments.return_payment", retry=RETRY)
async def return_payment(payment_ref: str, reason: str, organization_id: str | None) -> None:
    """Refund a whole payment FitFlow could not match to what it sold (no such order, a
    wrong amount, a second payment). Keyed by the payment, so it is refunded once."""
    studio = uuid.UUID(organization_id) if organization_id else None
    made = await providers.online(studio).refund(
        RefundRequest(key=f"return-{payment_ref}", payment_ref=payment_ref, amount_minor=None)
    )
    async with job_session() as session:
        await audit.record(
            session,
            "payment.returned",
            organization_id=studio,
            subject_type="payment",
            subject_id=payment_ref,
            data={"reason": reason, "refund_ref": made.ref, "status": made.status},
        )
    log.info("payment_returned", payment_ref=payment_ref, reason=reason, status=made.status)
