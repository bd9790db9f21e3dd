"""Record and read the audit log. Entries are written in the transaction of the change
they describe, so an undone change leaves no entry (security events that must survive a
refused request are kept by errors with `commit_changes`)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.audit import repository
from fitflow.audit.models import AuditEntry
from fitflow.audit.schemas import AuditEntryRead
from fitflow.kit.logging import current_request_id, get_logger
from fitflow.kit.pagination import Page, PageParams
from fitflow.organizations.permissions import Action, Actor, require

log = get_logger("fitflow.audit")


async def record(
    session: AsyncSession,
    action: str,
    *,
    actor_user_id: uuid.UUID | None = None,
    organization_id: uuid.UUID | None = None,
    subject_type: str | None = None,
    subject_id: uuid.UUID | str | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    entry = AuditEntry(
        action=action,
        actor_user_id=actor_user_id,
        organization_id=organization_id,
        subject_type=subject_type,
        subject_id=str(subject_id) if subject_id is not None else None,
        data=data or {},
        request_id=current_request_id(),
    )
    await repository.add(session, entry)
    log.info("audit", action=action, actor=str(actor_user_id), subject_id=entry.subject_id)


async def by_actor(
    session: AsyncSession,
    actor: Actor,
    action: str,
    subject: tuple[str, uuid.UUID],
    data: dict[str, Any] | None = None,
) -> None:
    """Record what `actor` did in their studio to `subject` (its type and id)."""
    subject_type, subject_id = subject
    await record(
        session,
        action,
        actor_user_id=actor.user_id,
        organization_id=actor.organization_id,
        subject_type=subject_type,
        subject_id=subject_id,
        data=data,
    )


async def list_entries(
    session: AsyncSession, actor: Actor, *, params: PageParams, action: str | None = None
) -> Page[AuditEntryRead]:
    """The studio's audit log, newest first (admin+)."""
    require(actor, Action.view_audit_log)
    rows, cursor = await repository.page_for_organization(
        session, actor.organization_id, params=params, action=action
    )
    return Page(items=[AuditEntryRead.model_validate(row[0]) for row in rows], next_cursor=cursor)
