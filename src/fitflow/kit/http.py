"""ASGI middleware: a request id on every log line and response, an access log line and
the latency histogram for each request."""

from __future__ import annotations

import json
import re
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fitflow.kit import logging as kit_logging
from fitflow.kit import metrics, time

REQUEST_ID_HEADER = b"x-request-id"
_ACCEPTABLE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
log = kit_logging.get_logger("fitflow.http")


def _incoming_request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == REQUEST_ID_HEADER:
            candidate = bytes(value).decode("latin-1")
            if _ACCEPTABLE_REQUEST_ID.match(candidate):
                return candidate
    return uuid.uuid4().hex


def _route_template(scope: Scope) -> str:
    path: object = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) else "unmatched"


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_request_id(scope)
        kit_logging.bind_request_id(request_id)
        started = time.monotonic()
        status: int | None = None

        async def send_with_request_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER, request_id.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_request_id)
        except Exception:
            log.exception("unhandled_error", method=scope["method"], path=scope["path"])
            if status is None:
                await _internal_error(send_with_request_id, request_id)
            status = status or 500
        finally:
            elapsed = time.monotonic() - started
            route = _route_template(scope)
            metrics.HTTP_LATENCY.labels(scope["method"], route, str(status or 500)).observe(elapsed)
            log.info(
                "request",
                method=scope["method"],
                path=scope["path"],
                route=route,
                status=status or 500,
                duration_ms=round(elapsed * 1000, 2),
            )


async def _internal_error(send: Send, request_id: str) -> None:
    """A bug, answered in the error format with the request id to quote in a report."""
    body = json.dumps(
        {
            "error": {
                "code": "internal_error",
                "message": "Something went wrong on our side; quote the request id.",
                "data": {"request_id": request_id},
            }
        }
    ).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 500, "headers": headers})
    await send({"type": "http.response.body", "body": body})
