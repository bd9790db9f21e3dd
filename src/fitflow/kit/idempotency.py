"""Idempotency keys, stored in the same transaction as the change they protect.

A POST with `Idempotency-Key` first takes a transaction-scoped advisory lock on
(caller, key): if another request holds it, the answer is 409 `idempotency_key_in_progress`.
A stored response for the same body is replayed; a different body is 422
`idempotency_key_reused`. A successful response is stored just before commit, so a
request that fails leaves no key behind and may simply be retried.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Integer, LargeBinary, String, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column
from starlette.responses import Response

from fitflow.kit import time
from fitflow.kit.db import Base, created_at_column
from fitflow.kit.errors import AppError, F

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
REPLAYED_HEADERS = ("content-type", "location", "retry-after")


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"

    scope: Mapped[str] = mapped_column(String(200), primary_key=True)
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response_body: Mapped[bytes] = mapped_column(LargeBinary)
    response_headers: Mapped[dict[str, str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = created_at_column()


class IdempotencyKeyInProgress(AppError):
    status = 409
    code = "idempotency_key_in_progress"
    message = "A request with this Idempotency-Key is still being processed."


class IdempotencyKeyReused(AppError):
    status = 422
    code = "idempotency_key_reused"
    message = "This Idempotency-Key was used with a different request."


class InvalidIdempotencyKey(AppError):
    status = 400
    code = "invalid_idempotency_key"
    message = f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} visible ASCII characters."


EXEMPT_ATTRIBUTE = "fitflow_idempotency_exempt"


def exempt(endpoint: F) -> F:
    """Mark an endpoint whose response carries credentials (tokens): such a response is
    never stored, so the key is ignored and a retry simply runs again."""
    setattr(endpoint, EXEMPT_ATTRIBUTE, True)
    return endpoint


def is_exempt(endpoint: Any) -> bool:
    return bool(getattr(endpoint, EXEMPT_ATTRIBUTE, False))


def fingerprint(method: str, path: str, query: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def validate_key(key: str) -> str:
    if not 0 < len(key) <= MAX_KEY_LENGTH or not all(33 <= ord(c) <= 126 for c in key):
        raise InvalidIdempotencyKey()
    return key


@dataclass
class Claim:
    """The right to run one request under (scope, key), held until the transaction ends."""

    scope: str
    key: str
    fingerprint: str
    replay: Response | None = None

    async def record(self, session: AsyncSession, response: Response) -> None:
        headers = {
            name: value for name, value in response.headers.items() if name in REPLAYED_HEADERS
        }
        session.add(
            IdempotencyKey(
                scope=self.scope,
                key=self.key,
                fingerprint=self.fingerprint,
                status_code=response.status_code,
                response_body=bytes(response.body),
                response_headers=headers,
            )
        )
        await session.flush()


async def claim(
    session: AsyncSession, *, scope: str, key: str, request_fingerprint: str, ttl: timedelta
) -> Claim:
    """Lock (scope, key) for this transaction and find a response to replay, if any."""
    lock_key = func.hashtextextended(f"{scope}\x1f{key}", 0)
    acquired = await session.scalar(select(func.pg_try_advisory_xact_lock(lock_key)))
    if not acquired:
        raise IdempotencyKeyInProgress()
    stored = await session.get(IdempotencyKey, (scope, key))
    current = Claim(scope, key, request_fingerprint)
    if stored is None:
        return current
    if stored.created_at < time.now() - ttl:
        await session.delete(stored)
        await session.flush()
        return current
    if stored.fingerprint != request_fingerprint:
        raise IdempotencyKeyReused()
    current.replay = _replay(stored)
    return current


def _replay(stored: IdempotencyKey) -> Response:
    headers: dict[str, Any] = dict(stored.response_headers)
    headers["Idempotent-Replayed"] = "true"
    return Response(stored.response_body, status_code=stored.status_code, headers=headers)


async def purge_expired(session: AsyncSession, ttl: timedelta) -> int:
    result = await session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.created_at < time.now() - ttl)
    )
    return int(getattr(result, "rowcount", 0) or 0)
