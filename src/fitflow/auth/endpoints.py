"""/api/v1/auth/* and /api/v1/me."""

from __future__ import annotations

import uuid

from fastapi import Depends, Response, status

from fitflow.auth import service
from fitflow.auth.deps import CurrentPrincipal, Runtime, Session
from fitflow.auth.errors import (
    AccountDeactivated,
    EmailTaken,
    InvalidCredentials,
    InvalidRefreshToken,
    InvalidResetToken,
    LoginInProgress,
    LoginLocked,
    RefreshTokenReused,
    UserNotFound,
)
from fitflow.auth.schemas import (
    LoginRequest,
    LogoutRequest,
    PasswordResetConfirm,
    PasswordResetRequest,
    RefreshRequest,
    RegisterRequest,
    TokenPair,
    UserRead,
)
from fitflow.kit import idempotency
from fitflow.kit.errors import PermissionDenied, raises
from fitflow.kit.ratelimit import per_client
from fitflow.kit.unit_of_work import api_router
from fitflow.organizations import service as organizations
from fitflow.organizations.schemas import MeRead

router = api_router("identity")


@router.post(
    "/auth/register",
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(per_client("registration"))],
)
@raises(EmailTaken)
async def register(body: RegisterRequest, session: Session, rt: Runtime) -> UserRead:
    """Create an account. Roles are never chosen here; studios grant them."""
    user = await service.register(
        session, rt, email=body.email, password=body.password, full_name=body.full_name
    )
    return UserRead.model_validate(user)


@router.post("/auth/login", dependencies=[Depends(per_client("login"))])
@raises(InvalidCredentials, LoginLocked, LoginInProgress, AccountDeactivated)
@idempotency.exempt
async def login(body: LoginRequest, session: Session, rt: Runtime) -> TokenPair:
    """Exchange email and password for an access token and a refresh token."""
    return await service.login(session, rt, email=body.email, password=body.password)


@router.post("/auth/refresh")
@raises(InvalidRefreshToken, RefreshTokenReused)
@idempotency.exempt
async def refresh(body: RefreshRequest, session: Session, rt: Runtime) -> TokenPair:
    """Spend a refresh token for a new pair; a spent one revokes its whole login."""
    return await service.refresh(session, rt, refresh_token=body.refresh_token)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(body: LogoutRequest, principal: CurrentPrincipal, session: Session) -> Response:
    """End this login: its refresh tokens and access tokens stop working."""
    await service.logout(session, principal, refresh_token=body.refresh_token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/auth/password-reset",
    status_code=status.HTTP_202_ACCEPTED,
    response_class=Response,
    dependencies=[Depends(per_client("password_reset"))],
)
async def request_password_reset(
    body: PasswordResetRequest, session: Session, rt: Runtime
) -> Response:
    """Email a reset link if the account exists; the answer is the same either way."""
    await service.request_password_reset(session, rt, email=body.email)
    return Response(status_code=status.HTTP_202_ACCEPTED)


@router.post(
    "/auth/password-reset/confirm",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[Depends(per_client("password_reset"))],
)
@raises(InvalidResetToken)
async def confirm_password_reset(
    body: PasswordResetConfirm, session: Session, rt: Runtime
) -> Response:
    """Set a new password with a reset token; every login of the account ends."""
    await service.confirm_password_reset(
        session, rt, token=body.token, new_password=body.new_password
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me")
async def me(principal: CurrentPrincipal, session: Session) -> MeRead:
    """The caller with their studios and roles there."""
    return await organizations.me(session, principal.user)


@router.post("/admin/users/{user_id}/deactivate", tags=["platform"])
@raises(PermissionDenied, UserNotFound)
async def deactivate_user(
    user_id: uuid.UUID, principal: CurrentPrincipal, session: Session
) -> UserRead:
    """Platform operators only: block an account; its tokens stop working at once."""
    user = await service.set_active(session, principal.user, user_id=user_id, active=False)
    return UserRead.model_validate(user)


@router.post("/admin/users/{user_id}/reactivate", tags=["platform"])
@raises(PermissionDenied, UserNotFound)
async def reactivate_user(
    user_id: uuid.UUID, principal: CurrentPrincipal, session: Session
) -> UserRead:
    """Platform operators only: allow a deactivated account to log in again."""
    user = await service.set_active(session, principal.user, user_id=user_id, active=True)
    return UserRead.model_validate(user)
