"""Typed business errors and their JSON rendering.

An `AppError` is a fact about the request (`class_session_full`, `invalid_credentials`),
never a crash: each subclass names a stable `code` and the HTTP status it maps to.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, RootModel

F = TypeVar("F", bound=Callable[..., Any])


class AppError(Exception):
    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    message: ClassVar[str] = "The request cannot be completed."
    commit_changes: ClassVar[bool] = False
    """When true, the transaction commits before the error is answered: the failure itself
    is state worth keeping (a failed-login counter, a revoked token family)."""

    def __init__(
        self,
        message: str | None = None,
        *,
        data: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.detail = message or self.message
        self.data = dict(data or {})
        self.headers = dict(headers or {})
        super().__init__(self.detail)

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.detail, "data": self.data}}


class NotFound(AppError):
    status = 404
    code = "not_found"
    message = "Not found."


class Unauthenticated(AppError):
    status = 401
    code = "not_authenticated"
    message = "A valid access token is required."


class PermissionDenied(AppError):
    status = 403
    code = "permission_denied"
    message = "Your role does not allow this."


class Conflict(AppError):
    status = 409
    code = "conflict"
    message = "The request conflicts with the current state."


class RateLimited(AppError):
    status = 429
    code = "rate_limited"
    message = "Too many requests; try again later."

    def __init__(self, retry_after: int, message: str | None = None) -> None:
        super().__init__(
            message,
            data={"retry_after": retry_after},
            headers={"Retry-After": str(retry_after)},
        )


class ServiceBusy(AppError):
    """Every database connection stayed busy for the pool's timeout: try again shortly."""

    status = 503
    code = "service_busy"
    message = "The service is busy; try again in a moment."

    def __init__(self) -> None:
        super().__init__(headers={"Retry-After": "1"})


class MalformedBody(AppError):
    status = 400
    code = "malformed_body"
    message = "The request body could not be read as JSON."


class ErrorDetail(BaseModel):
    code: str
    message: str
    data: dict[str, Any]


class ErrorResponse(BaseModel):
    """The body of every error FitFlow answers (validation errors keep FastAPI's 422)."""

    error: ErrorDetail


class ValidationIssue(BaseModel):
    model_config = ConfigDict(extra="allow")

    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorResponse(BaseModel):
    """FastAPI's shape for a request that fails validation."""

    detail: list[ValidationIssue]


class UnprocessableResponse(RootModel[ValidationErrorResponse | ErrorResponse]):
    """A 422: either a validation failure or a typed error such as a reused key."""


def error_responses(*errors: type[AppError]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` documenting which error codes a route can answer, by status."""
    by_status: dict[int, list[str]] = {}
    for error in errors:
        by_status.setdefault(error.status, []).append(error.code)
    return {
        status: {
            "model": UnprocessableResponse if status == 422 else ErrorResponse,
            "description": "Error codes: " + ", ".join(f"`{code}`" for code in sorted(codes)),
        }
        for status, codes in sorted(by_status.items())
    }


ERRORS_ATTRIBUTE = "fitflow_errors"


def raises(*errors: type[AppError]) -> Callable[[F], F]:
    """Declare the errors an endpoint or dependency can answer; the API route class turns
    them into the OpenAPI `responses`, so the document lists every status a route gives."""

    def mark(function: F) -> F:
        declared = getattr(function, ERRORS_ATTRIBUTE, ())
        setattr(function, ERRORS_ATTRIBUTE, (*declared, *errors))
        return function

    return mark


def declared_errors(function: Any) -> tuple[type[AppError], ...]:
    errors: tuple[type[AppError], ...] = getattr(function, ERRORS_ATTRIBUTE, ())
    return errors
