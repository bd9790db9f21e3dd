"""How a booking is paid, and given back: the seam the booking engine calls inside its
own transaction. A membership or pass pays first, then credits at the class's priced
cost, else payment is required at the drop-in price. Each charge is written once per
source (the booking), so charging or refunding twice changes nothing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.credits import service as credits
from fitflow.credits.errors import InsufficientCredits
from fitflow.credits.units import percent_of
from fitflow.entitlements import pricing, repository
from fitflow.entitlements.errors import PaymentRequired
from fitflow.entitlements.models import Charge
from fitflow.entitlements.schemas import ChargeRead, ClassTerms, DropInOffer, Quote, RefundOutcome
from fitflow.kit import time
from fitflow.kit.source import Source
from fitflow.memberships import coverage
from fitflow.memberships.models import Membership
from fitflow.memberships.state import week_of
from fitflow.organizations.models import Organization
from fitflow.organizations.policy import policy_of
from fitflow.plans import service as plans


@dataclass
class _Decision:
    quote: Quote
    membership: Membership | None = None


async def quote(
    session: AsyncSession, *, organization: Organization, member_id: uuid.UUID, terms: ClassTerms
) -> Quote:
    """How the member would pay for the class now, without paying (no locks taken)."""
    return (await _decide(session, organization, member_id, terms, lock=False)).quote


async def charge(
    session: AsyncSession,
    *,
    organization: Organization,
    member_id: uuid.UUID,
    terms: ClassTerms,
    source: Source,
    new_source: bool = False,
) -> ChargeRead:
    """Pay for the class with the best entitlement, or raise `PaymentRequired` carrying
    the drop-in offer. Locks the source first (a twin sent at once waits, then gets the
    first charge), then the member's covering memberships and their credits, so weekly
    caps, passes and balances hold under concurrent bookings. Idempotent. `new_source`:
    the source was made in this transaction (a fresh booking id), so no twin can exist
    and the source's lock and look-up are skipped; its unique key still holds."""
    if not new_source:
        await repository.lock_source(session, organization.id, source)
        existing = await repository.for_source(session, organization.id, source)
        if existing is not None:  # looked at after the lock, so a concurrent twin is seen
            return _same_member(existing, member_id)
    decision = await _decide(session, organization, member_id, terms, lock=True)
    method = decision.quote.method
    if method == "payment_required":
        raise PaymentRequired(data=decision.quote.model_dump(mode="json"))
    if decision.membership is not None:
        await coverage.record_use(session, decision.membership)
    elif decision.quote.credit_units:
        try:
            await credits.take(
                session,
                organization_id=organization.id,
                member_id=member_id,
                units=decision.quote.credit_units,
                at=terms.starts_at,
                source=source,
                class_type_id=terms.class_type_id,
                timezone=organization.timezone,
            )
        except InsufficientCredits as short:  # spent by a concurrent booking meanwhile
            needed = await _payment_required(
                session, organization, member_id, terms, decision.quote
            )
            raise PaymentRequired(data=needed.model_dump(mode="json")) from short
    row = Charge(
        organization_id=organization.id,
        member_id=member_id,
        source_type=source.kind,
        source_id=source.id,
        method=method,
        membership_id=decision.quote.membership_id,
        credit_units=decision.quote.credit_units,
        class_type_id=terms.class_type_id,
        session_starts_at=terms.starts_at,
    )
    await repository.add(session, row)
    return _read(row)


async def refund(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    source: Source,
    percent: int,
    reason: str | None = None,
    actor_user_id: uuid.UUID | None = None,
) -> RefundOutcome | None:
    """Give back `percent` of exactly what paid for `source`: credits to the lots that
    paid (expired lots stay expired); a full refund also gives a membership use back.
    Locks the source and its charge; a second refund returns the first outcome. None if
    nothing was charged."""
    if not 0 <= percent <= 100:
        raise ValueError("percent must be within 0..100")
    await repository.lock_source(session, organization_id, source)
    row = await repository.for_source(session, organization_id, source, lock=True)
    if row is None:
        return None
    if row.refunded_at is None:
        now = time.now()
        if row.method == "membership" and percent == 100 and row.membership_id is not None:
            await coverage.release_use(session, organization_id, row.membership_id)
            row.released_at = now
        elif row.method == "credits":
            await credits.refund(
                session,
                organization_id=organization_id,
                source=source,
                percent=percent,
                reason=reason,
                actor_user_id=actor_user_id,
            )
        row.refunded_percent, row.refunded_at = percent, now
        await session.flush()
    return _outcome(row)


async def _decide(
    session: AsyncSession,
    organization: Organization,
    member_id: uuid.UUID,
    terms: ClassTerms,
    *,
    lock: bool,
) -> _Decision:
    at, class_type_id = terms.starts_at, terms.class_type_id
    usable, reasons = await coverage.usable_for_class(
        session, organization, member_id, at=at, class_type_id=class_type_id, lock=lock
    )
    for membership in usable:
        if await _under_weekly_cap(session, membership, terms, organization.timezone):
            return _Decision(Quote(method="membership", membership_id=membership.id), membership)
        reasons.append("weekly_cap_reached")
    by_credits = _priced(organization, terms, reasons)
    if by_credits.credit_units == 0 or await _has_credits(
        session, organization, member_id, terms, by_credits.credit_units or 0
    ):
        return _Decision(by_credits)
    return _Decision(await _payment_required(session, organization, member_id, terms, by_credits))


def _priced(organization: Organization, terms: ClassTerms, reasons: list[str]) -> Quote:
    """Paying by credits: the class type's cost adjusted by the studio's pricing tiers,
    with the `reasons` no membership paid."""
    tiers = policy_of(organization.policy).pricing_tiers
    at, timezone = terms.starts_at, organization.timezone
    tier = pricing.tier_at(at, timezone, tiers)
    return Quote(
        method="credits",
        credit_units=pricing.credit_cost(terms.credit_units, at, timezone, tiers),
        pricing_tier=tier.name if tier else None,
        reasons=reasons,
    )


async def _payment_required(
    session: AsyncSession,
    organization: Organization,
    member_id: uuid.UUID,
    terms: ClassTerms,
    by_credits: Quote,
) -> Quote:
    """The credits quote turned into a payment request: the drop-in offer, and why."""
    return by_credits.model_copy(
        update={
            "method": "payment_required",
            "drop_in": await _drop_in_offer(session, organization, member_id, terms),
            "reasons": [*by_credits.reasons, "not_enough_credits"],
        }
    )


async def _under_weekly_cap(
    session: AsyncSession, membership: Membership, terms: ClassTerms, timezone: str
) -> bool:
    if membership.weekly_class_cap is None:
        return True
    start, end = week_of(terms.starts_at, timezone)
    used = await coverage.live_uses_between(session, membership.id, start, end)
    return used < membership.weekly_class_cap


async def _has_credits(
    session: AsyncSession,
    organization: Organization,
    member_id: uuid.UUID,
    terms: ClassTerms,
    cost: int,
) -> bool:
    available = await credits.available_for_class(
        session,
        organization_id=organization.id,
        member_id=member_id,
        at=terms.starts_at,
        class_type_id=terms.class_type_id,
    )
    return available >= cost


async def _drop_in_offer(
    session: AsyncSession, organization: Organization, member_id: uuid.UUID, terms: ClassTerms
) -> DropInOffer | None:
    plan = await plans.drop_in_for(session, organization.id, terms.class_type_id)
    if plan is None:
        return None
    member = await coverage.holds_membership(session, organization.id, member_id, time.now())
    return DropInOffer(
        plan_id=plan.id,
        name=plan.name,
        price_minor=plans.price_for(plan, holds_membership=member),
        currency=plan.currency,
    )


def _same_member(row: Charge, member_id: uuid.UUID) -> ChargeRead:
    if row.member_id != member_id:
        raise ValueError("this source was already charged to another member")
    return _read(row)


def _read(row: Charge) -> ChargeRead:
    return ChargeRead(
        method=row.method,
        membership_id=row.membership_id,
        credit_units=row.credit_units,
    )


def _outcome(row: Charge) -> RefundOutcome:
    percent = row.refunded_percent or 0
    units = row.credit_units or 0
    back = percent_of(units, percent)
    return RefundOutcome(
        method=row.method,
        percent=percent,
        refunded_units=back,
        forfeited_units=units - back,
        use_released=row.released_at is not None,
    )
