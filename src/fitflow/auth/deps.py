"""FastAPI dependencies that turn a request into an authenticated caller."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.auth import service, tokens
from fitflow.auth.errors import InvalidAccessToken
from fitflow.auth.runtime import AuthRuntime
from fitflow.auth.service import Principal
from fitflow.kit import time
from fitflow.kit.errors import raises
from fitflow.kit.ratelimit import client_address
from fitflow.kit.unit_of_work import db_session

bearer = HTTPBearer(auto_error=False, description="An access token from /api/v1/auth/login")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
Session = Annotated[AsyncSession, Depends(db_session)]


def auth_runtime(request: Request) -> AuthRuntime:
    runtime: AuthRuntime = request.app.state.auth
    return runtime


Runtime = Annotated[AuthRuntime, Depends(auth_runtime)]


@raises(InvalidAccessToken)
async def current_principal(credentials: Credentials, session: Session, rt: Runtime) -> Principal:
    if credentials is None:
        raise InvalidAccessToken()
    return await service.authenticate(session, rt, credentials.credentials)


@raises(InvalidAccessToken)
async def optional_principal(
    credentials: Credentials, session: Session, rt: Runtime
) -> Principal | None:
    """The caller if a token is given (an invalid one is still refused), else None."""
    if credentials is None:
        return None
    return await service.authenticate(session, rt, credentials.credentials)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]


def caller_scope(request: Request) -> str:
    """Whose idempotency keys a request uses: the token's user, else the client address.
    Only the signature is checked here; the route itself authenticates fully."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token:
        try:
            claims = tokens.decode_access_token(
                token, key=request.app.state.auth.signing_key, now=time.now()
            )
        except InvalidAccessToken:
            pass
        else:
            return f"user:{claims.user_id}"
    return f"ip:{client_address(request)}"
