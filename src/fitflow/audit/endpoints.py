"""/api/v1/orgs/{org}/audit."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from fitflow.audit import service
from fitflow.audit.schemas import AuditEntryRead
from fitflow.auth.deps import Session
from fitflow.kit.errors import PermissionDenied, raises
from fitflow.kit.pagination import Page, PageParams, page_params
from fitflow.kit.unit_of_work import api_router
from fitflow.organizations.deps import Caller

router = api_router("audit")


@router.get("/orgs/{org}/audit")
@raises(PermissionDenied)
async def list_audit_entries(
    caller: Caller,
    session: Session,
    paging: Annotated[PageParams, Depends(page_params)],
    action: Annotated[str | None, Query(max_length=80)] = None,
) -> Page[AuditEntryRead]:
    """The studio's audit log, newest first (admin+)."""
    return await service.list_entries(session, caller.actor, params=paging, action=action)
