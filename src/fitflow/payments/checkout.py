"""Online checkout: a member pays on the provider's payment page, for a plan or for the
drop-in that pays a held spot. The order is written first, unpaid, with the price
snapshotted; the grant waits for the provider's event that the money arrived
(`payments.settlement`).

Opening the Checkout Session is the one provider call made before the transaction
commits: it moves no money, and should the order not commit, the session's payment names
an order that does not exist and is returned whole when its event arrives."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.audit import service as audit
from fitflow.config import get_settings
from fitflow.kit import time
from fitflow.kit.logging import get_logger
from fitflow.members import service as members
from fitflow.memberships import coverage
from fitflow.organizations.models import Organization
from fitflow.organizations.permissions import Actor
from fitflow.payments import providers, repository
from fitflow.payments.errors import AlreadySubscribed, PaymentProviderError
from fitflow.payments.gateway import CheckoutRequest, PaymentProvider
from fitflow.payments.models import Order
from fitflow.payments.schemas import CheckoutCreate, CheckoutRead
from fitflow.payments.service import insert_order, plan_on_sale
from fitflow.plans import service as plans
from fitflow.plans.models import Plan

log = get_logger("fitflow.payments")
REUSE_MARGIN = timedelta(minutes=5)
"""An open checkout of a plan is offered again only while it has this long to run."""


async def start_plan_checkout(
    session: AsyncSession,
    actor: Actor,
    organization: Organization,
    plan_id: uuid.UUID,
    body: CheckoutCreate,
) -> CheckoutRead:
    """Open the provider's payment page for a plan, for the caller as a member (anyone
    else: 404 `member_not_found`): one payment, or a subscription for a plan billed each
    period (409 `already_subscribed` while the member has one that still charges). An
    open checkout of the same plan is handed back instead of a second one, so a member
    who comes back is never asked to pay twice."""
    member_id = await members.own_member_id(session, actor)
    plan = await plan_on_sale(session, organization.id, plan_id)
    provider = providers.online(organization.id)
    if plan.billing_period and await repository.live_subscription_of(
        session, organization.id, member_id
    ):
        raise AlreadySubscribed()
    now = time.now()
    reusable = await repository.open_checkout(
        session, organization.id, member_id, plan.id, open_after=now + REUSE_MARGIN
    )
    if reusable is not None:
        return _read(reusable)
    order = await _pending_order(session, organization, member_id, plan, actor.user_id)
    return await _open(
        session, provider, organization, order, body, now=now, billing=plan.billing_period
    )


async def start_hold_checkout(
    session: AsyncSession,
    organization: Organization,
    *,
    member_id: uuid.UUID,
    booking_id: uuid.UUID,
    plan_id: uuid.UUID,
    class_label: str,
    actor_user_id: uuid.UUID | None,
) -> CheckoutRead | None:
    """A checkout for the drop-in that pays a held spot, or None when the studio takes
    no online payments or the provider cannot be reached (the hold is kept either way
    and can be paid at the desk). The open checkout of the same hold is reused."""
    if not providers.online_enabled(organization.id):
        return None
    now = time.now()
    reusable = await repository.open_checkout_of_booking(
        session, organization.id, booking_id, open_after=now
    )
    if reusable is not None:
        return _read(reusable)
    plan = await plan_on_sale(session, organization.id, plan_id)
    try:
        async with session.begin_nested():
            order = await _pending_order(
                session, organization, member_id, plan, actor_user_id, booking_id=booking_id
            )
            order.description = f"{plan.name}: {class_label}"[:200]
            return await _open(
                session,
                providers.online(organization.id),
                organization,
                order,
                CheckoutCreate(),
                now=now,
            )
    except PaymentProviderError:
        log.warning("hold_checkout_unavailable", booking_id=str(booking_id))
        return None


async def _pending_order(
    session: AsyncSession,
    organization: Organization,
    member_id: uuid.UUID,
    plan: Plan,
    actor_user_id: uuid.UUID | None,
    *,
    booking_id: uuid.UUID | None = None,
) -> Order:
    member = await coverage.holds_membership(session, organization.id, member_id, time.now())
    order = Order(
        id=uuid.uuid4(),
        organization_id=organization.id,
        member_id=member_id,
        plan_id=plan.id,
        plan_kind=plan.kind,
        description=plan.name,
        amount_minor=plans.price_for(plan, holds_membership=member),
        currency=plan.currency,
        intro_offer=plan.intro_offer,
        method="online",
        provider="stripe",
        status="pending",
        created_by_user_id=actor_user_id,
        paid_at=None,
        booking_id=booking_id,
    )
    await insert_order(session, order)
    return order


async def _open(
    session: AsyncSession,
    provider: PaymentProvider,
    organization: Organization,
    order: Order,
    body: CheckoutCreate,
    *,
    now: datetime,
    billing: str | None = None,
) -> CheckoutRead:
    """Open the provider's checkout for a pending order and record it; `billing` (the
    plan's billing period) makes it a subscription."""
    expires_at = now + timedelta(minutes=get_settings().stripe.checkout_minutes)
    started = await provider.start_checkout(
        CheckoutRequest(
            order_id=order.id,
            organization_id=organization.id,
            description=f"{organization.name}: {order.description}",
            amount_minor=order.amount_minor,
            currency=order.currency,
            customer_email=await members.email_of(session, organization.id, order.member_id),
            success_url=body.success_url or _return_url("success"),
            cancel_url=body.cancel_url or _return_url("cancelled"),
            expires_at=expires_at,
            billing_period=billing,
        )
    )
    order.checkout_ref, order.checkout_url = started.ref, started.url
    order.checkout_expires_at = expires_at
    await session.flush()
    await audit.record(
        session,
        "order.checkout_started",
        actor_user_id=order.created_by_user_id,
        organization_id=organization.id,
        subject_type="order",
        subject_id=order.id,
        data={"amount_minor": order.amount_minor, "checkout_ref": started.ref},
    )
    return _read(order)


def _return_url(result: str) -> str:
    return f"{get_settings().public_url}/checkout/return?result={result}"


def _read(order: Order) -> CheckoutRead:
    if order.checkout_url is None or order.checkout_expires_at is None:
        raise ValueError("an open checkout has a page and an end")
    return CheckoutRead(
        order_id=order.id, checkout_url=order.checkout_url, expires_at=order.checkout_expires_at
    )
