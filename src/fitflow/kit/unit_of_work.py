"""The transaction edge of the JSON API.

`UnitOfWorkRoute` opens one session per request, hands it to the handler through
`db_session`, applies idempotency keys to POSTs, and commits after the handler returns
(rolling back on any error). It also documents, per route, every error status the route
and its dependencies declare with `kit.errors.raises`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Iterator, Sequence
from datetime import timedelta
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import get_dependant
from fastapi.params import Depends
from fastapi.routing import APIRoute
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from fitflow.kit import idempotency
from fitflow.kit.errors import AppError, MalformedBody, declared_errors, error_responses
from fitflow.kit.logging import get_logger
from fitflow.kit.text import UnstorableText, refuse_unstorable_text

API_PREFIX = "/api/v1"
TRANSACTION_ATTEMPTS = 3
log = get_logger("fitflow.transactions")
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})  # deadlock detected, serialization failure
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
EMPTY_BODIES = (b"", b"{}")
RAW_BODY_ATTRIBUTE = "__fitflow_reads_raw_body__"
E = TypeVar("E", bound=Callable[..., Any])


class UnexpectedBody(AppError):
    status = 422
    code = "unexpected_body"
    message = "This request takes no body (an empty object is fine)."


IDEMPOTENCY_ERRORS = (
    idempotency.IdempotencyKeyInProgress,
    idempotency.IdempotencyKeyReused,
    idempotency.InvalidIdempotencyKey,
)


async def db_session(request: Request) -> AsyncSession:
    """The request's session, opened by `UnitOfWorkRoute`."""
    session: AsyncSession = request.state.db_session
    return session


def _walk(dependant: Dependant) -> Iterator[Any]:
    yield dependant.call
    for child in dependant.dependencies:
        yield from _walk(child)


def reads_raw_body(endpoint: E) -> E:
    """Mark an endpoint that reads its request body itself, unparsed (a signed webhook
    must check the bytes as they were sent): its route accepts a body it declares no
    model for."""
    setattr(endpoint, RAW_BODY_ATTRIBUTE, True)
    return endpoint


def _takes_raw_body(endpoint: Callable[..., Any]) -> bool:
    return bool(getattr(endpoint, RAW_BODY_ATTRIBUTE, False))


def _route_errors(
    path: str, endpoint: Callable[..., Any], methods: Sequence[str], dependencies: Sequence[Any]
) -> list[type[AppError]]:
    dependant = get_dependant(path=path, call=endpoint)
    calls = list(_walk(dependant))
    for dependency in dependencies:
        if isinstance(dependency, Depends) and dependency.dependency is not None:
            calls.extend(_walk(get_dependant(path=path, call=dependency.dependency)))
    errors: list[type[AppError]] = [UnstorableText]
    errors.extend(error for call in calls for error in declared_errors(call))
    if dependant.body_params:
        errors.append(MalformedBody)
    elif WRITE_METHODS & set(methods) and not _takes_raw_body(endpoint):
        errors.append(UnexpectedBody)
    if "POST" in methods and not idempotency.is_exempt(endpoint):
        errors.extend(IDEMPOTENCY_ERRORS)
    return errors


class UnitOfWorkRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        methods = [m.upper() for m in kwargs.get("methods") or ["GET"]]
        errors = _route_errors(path, endpoint, methods, kwargs.get("dependencies") or [])
        kwargs["responses"] = {**error_responses(*errors), **(kwargs.get("responses") or {})}
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        takes_body = self.body_field is not None or _takes_raw_body(self.endpoint)

        async def run_in_transaction(request: Request) -> Response:
            await _check_request_text(request, takes_body=takes_body)
            for attempt in range(1, TRANSACTION_ATTEMPTS + 1):
                try:
                    return await _attempt(request, handler)
                except DBAPIError as error:
                    if attempt == TRANSACTION_ATTEMPTS or not _worth_retrying(error):
                        raise
                    log.warning("transaction_retried", attempt=attempt, reason=_sqlstate(error))
            raise AssertionError("unreachable")

        return run_in_transaction


async def _attempt(
    request: Request, handler: Callable[[Request], Coroutine[Any, Any, Response]]
) -> Response:
    async with request.app.state.database.sessions() as session:
        request.state.db_session = session
        try:
            return await _handle(request, session, handler)
        except AppError as error:
            await (session.commit() if error.commit_changes else session.rollback())
            raise
        except BaseException:
            await session.rollback()
            raise


def _sqlstate(error: DBAPIError) -> str | None:
    return getattr(error.orig, "sqlstate", None)


def _worth_retrying(error: DBAPIError) -> bool:
    """PostgreSQL chose this transaction as a deadlock victim or serialisation loser:
    nothing of it was kept, so running the request again is safe."""
    return _sqlstate(error) in RETRYABLE_SQLSTATES


async def _handle(
    request: Request,
    session: AsyncSession,
    handler: Callable[[Request], Awaitable[Response]],
) -> Response:
    claim = await _claim_idempotency_key(request, session)
    if claim is not None and claim.replay is not None:
        await session.rollback()
        return claim.replay
    response = await handler(request)
    if claim is not None and 200 <= response.status_code < 300:
        await claim.record(session, response)
    await session.commit()
    return response


async def _claim_idempotency_key(
    request: Request, session: AsyncSession
) -> idempotency.Claim | None:
    key = request.headers.get(idempotency.HEADER)
    if request.method != "POST" or key is None:
        return None
    if idempotency.is_exempt(request.scope["route"].endpoint):
        return None
    body = await request.body()
    scope: str = await request.app.state.caller_scope(request, session)
    return await idempotency.claim(
        session,
        scope=scope,
        key=idempotency.validate_key(key),
        request_fingerprint=idempotency.fingerprint(
            request.method, request.url.path, request.url.query, body
        ),
        ttl=timedelta(seconds=request.app.state.settings.idempotency.ttl_seconds),
    )


def api_router(*tags: str) -> APIRouter:
    """A router for one domain's JSON endpoints: under /api/v1, one transaction per request.
    The prefix sits on each router so every route knows its full path (metrics labels)."""
    return APIRouter(prefix=API_PREFIX, route_class=UnitOfWorkRoute, tags=list(tags))


async def _check_request_text(request: Request, *, takes_body: bool) -> None:
    """Refuse, before any query runs, a body on a route that takes none (so unknown
    fields are never silently dropped) and text PostgreSQL cannot store (NUL, unpaired
    surrogates) wherever the request carries it."""
    body = await request.body()
    if not takes_body and request.method in WRITE_METHODS and body.strip() not in EMPTY_BODIES:
        raise UnexpectedBody()
    refuse_unstorable_text([request.scope["path"], *request.query_params.values()], body)
