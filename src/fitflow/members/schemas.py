from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from fitflow.kit.schemas import Patch
from fitflow.organizations.schemas import Phone

MemberStatus = Literal["active", "inactive"]


class MemberRead(BaseModel):
    """A member as they see themselves."""

    id: uuid.UUID
    user_id: uuid.UUID
    email: str
    full_name: str
    status: MemberStatus
    phone: str | None
    date_of_birth: date | None
    emergency_contact: str | None
    joined_at: datetime


class MemberStaffRead(MemberRead):
    """A member as the studio's staff see them, notes included."""

    notes: str | None
    payment_disputed_at: datetime | None = Field(
        description="When a payment of this member was last disputed (chargeback)"
    )


class MemberUpdate(Patch):
    not_nullable = frozenset({"status"})

    status: MemberStatus | None = None
    phone: Phone | None = None
    date_of_birth: date | None = None
    emergency_contact: Annotated[str, Field(max_length=300)] | None = None
    notes: Annotated[str, Field(max_length=10_000)] | None = None
