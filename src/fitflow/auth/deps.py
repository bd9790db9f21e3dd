"""FastAPI dependencies that turn a request into an authenticated caller."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from fitflow.auth import service
from fitflow.auth.errors import InvalidAccessToken
from fitflow.auth.runtime import AuthRuntime
from fitflow.auth.service import Principal
from fitflow.kit.errors import raises
from fitflow.kit.ratelimit import client_address
from fitflow.kit.unit_of_work import db_session

bearer = HTTPBearer(auto_error=False, description="An access token from /api/v1/auth/login")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
Session = Annotated[AsyncSession, Depends(db_session)]


async def auth_runtime(request: Request) -> AuthRuntime:
    runtime: AuthRuntime = request.app.state.auth
    return runtime


Runtime = Annotated[AuthRuntime, Depends(auth_runtime)]


@raises(InvalidAccessToken)
async def current_principal(credentials: Credentials, session: Session, rt: Runtime) -> Principal:
    if credentials is None:
        raise InvalidAccessToken()
    return await service.authenticate(session, rt, credentials.credentials)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


async def caller_scope(request: Request, session: AsyncSession) -> str:
    """Whose idempotency keys a request uses: the user of a live login, else the client
    address. A revoked or deactivated login gets no replay of its user's responses."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token:
        try:
            principal = await service.authenticate(session, request.app.state.auth, token)
        except InvalidAccessToken:
            pass
        else:
            return f"user:{principal.user.id}"
    return f"ip:{client_address(request)}"
