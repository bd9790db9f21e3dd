"""/api/v1/orgs/{org}/reports: figures from the money taken and given back."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from fitflow.auth.deps import Session
from fitflow.kit.errors import PermissionDenied, raises
from fitflow.kit.unit_of_work import api_router
from fitflow.organizations.deps import Caller
from fitflow.payments import revenue
from fitflow.payments.revenue import ReportPeriod, RevenueReport

router = api_router("reports")


@router.get("/orgs/{org}/reports/revenue")
@raises(PermissionDenied)
async def revenue_report(
    caller: Caller, session: Session, period: Annotated[ReportPeriod, Query()]
) -> RevenueReport:
    """Gross paid, refunded and net revenue per currency and per day, for the studio's
    local days `from` to `to` (both included, at most 366) (admin+)."""
    return await revenue.revenue(session, caller.actor, caller.organization, period)
