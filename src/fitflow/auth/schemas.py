from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field

from fitflow.auth.passwords import MAX_LENGTH, MIN_LENGTH, check_password_strength
from fitflow.kit.schemas import Name, Strict

NewPassword = Annotated[
    str,
    Field(min_length=MIN_LENGTH, max_length=MAX_LENGTH),
    AfterValidator(check_password_strength),
]
OpaqueToken = Annotated[str, Field(min_length=1, max_length=200)]


class RegisterRequest(Strict):
    email: EmailStr
    password: NewPassword
    full_name: Name


class LoginRequest(Strict):
    email: EmailStr
    password: Annotated[str, Field(min_length=1, max_length=MAX_LENGTH)]


class RefreshRequest(Strict):
    refresh_token: OpaqueToken


class LogoutRequest(Strict):
    refresh_token: OpaqueToken


class PasswordResetRequest(Strict):
    email: EmailStr


class PasswordResetConfirm(Strict):
    token: OpaqueToken
    new_password: NewPassword


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the scheme name
    expires_in: int


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    full_name: str
    is_active: bool
    created_at: datetime
