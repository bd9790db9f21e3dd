"""Revenue from the money itself: what orders took, by the local day they were paid, less
what went back (refunds and voids, a void being the whole amount), by the local day it
went back; per currency. Never from plan prices, so a later price change moves nothing."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import Date, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.organizations.models import Organization
from fitflow.organizations.permissions import Action, Actor, require
from fitflow.payments.models import Order, OrderRefund

MAX_DAYS = 366
Totals = dict[tuple[str, date], int]


class ReportPeriod(BaseModel):
    """Local days of the studio, both included."""

    model_config = ConfigDict(extra="forbid")

    starts_on: date = Field(alias="from", description="The first local day")
    ends_on: date = Field(alias="to", description="The last local day, included")

    @model_validator(mode="after")
    def _bounded(self) -> ReportPeriod:
        if self.ends_on < self.starts_on:
            raise ValueError("`to` is before `from`")
        if (self.ends_on - self.starts_on).days >= MAX_DAYS:
            raise ValueError(f"a report covers at most {MAX_DAYS} days")
        return self


class RevenueDay(BaseModel):
    on: date
    gross_minor: int = Field(description="Paid that local day")
    refunded_minor: int = Field(description="Given back that local day (refunds and voids)")
    net_minor: int


class CurrencyRevenue(BaseModel):
    currency: str
    gross_minor: int
    refunded_minor: int
    net_minor: int
    days: list[RevenueDay] = Field(description="Every day of the period, in order")


class RevenueReport(BaseModel):
    starts_on: date
    ends_on: date
    timezone: str
    currencies: list[CurrencyRevenue] = Field(description="Those with money in the period")


async def revenue(
    session: AsyncSession, actor: Actor, organization: Organization, period: ReportPeriod
) -> RevenueReport:
    """Gross paid, refunded and net per currency and local day over the period (admin+)."""
    require(actor, Action.view_revenue)
    zone = ZoneInfo(organization.timezone)
    start = datetime.combine(period.starts_on, time(), zone)
    end = datetime.combine(period.ends_on + timedelta(days=1), time(), zone)
    paid = await _paid(session, organization.id, organization.timezone, start, end)
    refunded = await _refunded(session, organization.id, organization.timezone, start, end)
    return RevenueReport(
        starts_on=period.starts_on,
        ends_on=period.ends_on,
        timezone=organization.timezone,
        currencies=[
            _currency(currency, _days(period), paid, refunded)
            for currency in sorted({currency for currency, _ in (*paid, *refunded)})
        ],
    )


def _days(period: ReportPeriod) -> list[date]:
    count = (period.ends_on - period.starts_on).days + 1
    return [period.starts_on + timedelta(days=n) for n in range(count)]


def _currency(currency: str, days: list[date], paid: Totals, refunded: Totals) -> CurrencyRevenue:
    series = [
        RevenueDay(
            on=day,
            gross_minor=paid.get((currency, day), 0),
            refunded_minor=refunded.get((currency, day), 0),
            net_minor=paid.get((currency, day), 0) - refunded.get((currency, day), 0),
        )
        for day in days
    ]
    gross = sum(day.gross_minor for day in series)
    back = sum(day.refunded_minor for day in series)
    return CurrencyRevenue(
        currency=currency,
        gross_minor=gross,
        refunded_minor=back,
        net_minor=gross - back,
        days=series,
    )


def _local_day(instant: Any, timezone: str) -> Any:
    return cast(func.timezone(timezone, instant), Date)


async def _paid(
    session: AsyncSession, organization_id: uuid.UUID, timezone: str, start: datetime, end: datetime
) -> Totals:
    """Money paid for orders, by currency and local day paid."""
    day = _local_day(Order.paid_at, timezone)
    rows = await session.execute(
        select(Order.currency, day, func.sum(Order.amount_minor))
        .where(
            Order.organization_id == organization_id,
            Order.paid_at >= start,
            Order.paid_at < end,
        )
        .group_by(Order.currency, day)
    )
    return _totals(rows)


async def _refunded(
    session: AsyncSession, organization_id: uuid.UUID, timezone: str, start: datetime, end: datetime
) -> Totals:
    """Money given back or on its way back (refunds and voids, not the refunds a
    provider failed to make), by the order's currency and local day."""
    day = _local_day(OrderRefund.created_at, timezone)
    rows = await session.execute(
        select(Order.currency, day, func.sum(OrderRefund.amount_minor))
        .join(Order, Order.id == OrderRefund.order_id)
        .where(
            OrderRefund.organization_id == organization_id,
            OrderRefund.created_at >= start,
            OrderRefund.created_at < end,
            OrderRefund.status != "failed",
        )
        .group_by(Order.currency, day)
    )
    return _totals(rows)


def _totals(rows: Iterable[Any]) -> Totals:
    return {(currency, day): int(amount) for currency, day, amount in rows}
