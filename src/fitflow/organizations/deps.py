"""Dependencies that resolve the studio in the path and the caller's roles there."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path

from fitflow.auth.deps import Credentials, CurrentPrincipal, Runtime, Session
from fitflow.auth.errors import InvalidAccessToken
from fitflow.auth.service import authenticate
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
    """The studio addressed by the path and the authenticated caller acting in it."""

    organization: Organization
    actor: Actor


async def studio_caller(
    organization: PathOrganization, principal: CurrentPrincipal, session: Session
) -> StudioCaller:
    names = await repository.roles_of(session, organization.id, principal.user.id)
    roles = frozenset(Role(name) for name in names)
    return StudioCaller(organization, Actor(principal.user.id, organization.id, roles))


Caller = Annotated[StudioCaller, Depends(studio_caller)]


@raises(InvalidAccessToken)
async def optional_caller(
    organization: PathOrganization, credentials: Credentials, session: Session, rt: Runtime
) -> StudioCaller:
    """The caller when a token is sent (so staff see more), else an anonymous actor."""
    if credentials is None:
        return StudioCaller(organization, Actor(None, organization.id))
    principal = await authenticate(session, rt, credentials.credentials)
    return await studio_caller(organization, principal, session)


MaybeCaller = Annotated[StudioCaller, Depends(optional_caller)]
