"""Dependencies that resolve the studio in the path and the caller's roles there."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path

from fitflow.auth.deps import Credentials, Runtime, Session
from fitflow.auth.errors import InvalidAccessToken
from fitflow.auth.service import access_claims, login_in_studio
from fitflow.kit.errors import raises
from fitflow.organizations import repository
from fitflow.organizations.errors import OrganizationNotFound
from fitflow.organizations.models import Organization
from fitflow.organizations.permissions import Actor, Role

OrgSlug = Annotated[str, Path(min_length=1, max_length=63, description="The studio's slug")]


@raises(OrganizationNotFound)
async def path_organization(org: OrgSlug, session: Session) -> Organization:
    organization = await repository.by_slug(session, org)
    if organization is None:
        raise OrganizationNotFound()
    return organization


PathOrganization = Annotated[Organization, Depends(path_organization)]


@dataclass(frozen=True)
class StudioCaller:
    """The studio addressed by the path and the authenticated caller acting in it, with
    the caller's own member record there (None for none, or for an anonymous caller)."""

    organization: Organization
    actor: Actor
    member_id: uuid.UUID | None = None


@raises(OrganizationNotFound, InvalidAccessToken)
async def studio_caller(
    org: OrgSlug, credentials: Credentials, session: Session, rt: Runtime
) -> StudioCaller:
    """The studio, the live login and the caller's roles and member record there, in one
    query. An unknown studio answers 404 before a missing or bad token answers 401."""
    try:
        if credentials is None:
            raise InvalidAccessToken()
        claims = access_claims(rt, credentials.credentials)
    except InvalidAccessToken:
        await path_organization(org, session)
        raise
    login = await login_in_studio(session, claims, org)
    if login is None:
        raise OrganizationNotFound()
    roles = frozenset(Role(name) for name in login.roles)
    actor = Actor(login.user_id, login.organization.id, roles)
    return StudioCaller(login.organization, actor, login.member_id)


Caller = Annotated[StudioCaller, Depends(studio_caller)]


@raises(OrganizationNotFound, InvalidAccessToken)
async def optional_caller(
    org: OrgSlug, credentials: Credentials, session: Session, rt: Runtime
) -> StudioCaller:
    """The caller when a token is sent (so staff see more), else an anonymous actor."""
    if credentials is None:
        organization = await path_organization(org, session)
        return StudioCaller(organization, Actor(None, organization.id))
    return await studio_caller(org, credentials, session, rt)


MaybeCaller = Annotated[StudioCaller, Depends(optional_caller)]
