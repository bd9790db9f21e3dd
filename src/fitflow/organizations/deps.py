"""Dependencies that resolve the studio in the path and the caller's roles there."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path

from fitflow.auth.deps import CurrentPrincipal, Session
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
