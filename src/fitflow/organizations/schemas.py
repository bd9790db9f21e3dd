from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    field_validator,
)

from fitflow.auth.schemas import UserRead
from fitflow.kit.money import is_currency
from fitflow.kit.schemas import Name, Patch, Strict
from fitflow.organizations.permissions import Role
from fitflow.organizations.policy import Policy, PolicyUpdate, policy_of

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$")
RESERVED_SLUGS = frozenset({"api", "admin", "static", "docs", "me", "new", "www", "dev"})


_known_timezones = cache(available_timezones)


def _valid_slug(value: str) -> str:
    if not SLUG_PATTERN.match(value) or "--" in value:
        raise ValueError("use 3-63 lowercase letters, digits and single hyphens")
    if value in RESERVED_SLUGS:
        raise ValueError("this slug is reserved")
    return value


def _valid_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError("not an IANA timezone name") from exc
    if value not in _known_timezones():
        raise ValueError("not an IANA timezone name")
    return value


def _valid_currency(value: str) -> str:
    if not is_currency(value):
        raise ValueError("not an ISO 4217 currency code")
    return value


Slug = Annotated[str, Field(min_length=3, max_length=63), AfterValidator(_valid_slug)]
Timezone = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_valid_timezone)]
Currency = Annotated[str, Field(min_length=3, max_length=3), AfterValidator(_valid_currency)]
Phone = Annotated[str, Field(min_length=3, max_length=40, pattern=r"^[0-9+() .-]+$")]
Url = Annotated[str, Field(max_length=500, pattern=r"^https?://\S+$")]
TaxId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]


class OrganizationCreate(Strict):
    name: Name
    slug: Slug
    timezone: Timezone
    currency: Currency


class OrganizationUpdate(Patch):
    not_nullable = frozenset({"name", "timezone", "currency", "policy", "tax_rate_bp"})

    name: Name | None = None
    timezone: Timezone | None = None
    currency: Currency | None = None
    contact_email: EmailStr | None = None
    phone: Phone | None = None
    address: Annotated[str, Field(max_length=500)] | None = None
    website: Url | None = None
    legal_name: Name | None = None
    tax_id: TaxId | None = None
    tax_rate_bp: Annotated[int, Field(ge=0, le=10_000, description="1900 = 19%")] | None = None
    invoice_footer: Annotated[str, Field(max_length=500)] | None = None
    policy: PolicyUpdate | None = None


class OrganizationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    slug: str
    name: str
    timezone: str
    currency: str
    contact_email: str | None
    phone: str | None
    address: str | None
    website: str | None
    legal_name: str | None
    tax_id: str | None
    tax_rate_bp: int = Field(description="Tax included in prices, in basis points (1900 = 19%)")
    invoice_footer: str | None
    policy: Policy
    created_at: datetime

    @field_validator("policy", mode="before")
    @classmethod
    def _with_defaults(cls, stored: object) -> object:
        return policy_of(stored) if isinstance(stored, Mapping) else stored


class OrganizationRef(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    slug: str
    name: str


class StaffCreate(Strict):
    email: EmailStr
    role: Literal[Role.admin, Role.trainer, Role.receptionist]


class StaffUpdate(Strict):
    role: Literal[Role.owner, Role.admin, Role.trainer, Role.receptionist]


class StaffRead(BaseModel):
    id: uuid.UUID
    user_id: uuid.UUID
    email: str
    full_name: str
    role: Role
    created_at: datetime


class StudioRoles(BaseModel):
    organization: OrganizationRef
    roles: list[Role]


class MeRead(UserRead):
    is_superuser: bool
    studios: list[StudioRoles]
