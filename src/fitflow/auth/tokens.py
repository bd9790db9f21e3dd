"""Access tokens (JWT, HS256 only) and opaque single-use tokens (refresh, password reset)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from fitflow.auth.errors import InvalidAccessToken

ALGORITHMS = ["HS256"]
REQUIRED_CLAIMS = ["sub", "iat", "exp", "jti", "fam"]


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    family_id: uuid.UUID
    token_id: uuid.UUID
    expires_at: datetime


def issue_access_token(
    *, user_id: uuid.UUID, family_id: uuid.UUID, now: datetime, lifetime: timedelta, key: str
) -> str:
    claims = {
        "sub": str(user_id),
        "fam": str(family_id),
        "jti": uuid.uuid4().hex,
        "iat": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
        "typ": "access",
    }
    return jwt.encode(claims, key, algorithm=ALGORITHMS[0])


def decode_access_token(token: str, *, key: str, now: datetime) -> AccessClaims:
    """Check signature, algorithm and claims; expiry is checked against FitFlow's clock."""
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=ALGORITHMS,
            options={"require": REQUIRED_CLAIMS, "verify_exp": False, "verify_iat": False},
        )
        parsed = AccessClaims(
            user_id=uuid.UUID(claims["sub"]),
            family_id=uuid.UUID(claims["fam"]),
            token_id=uuid.UUID(claims["jti"]),
            expires_at=datetime.fromtimestamp(int(claims["exp"]), tz=now.tzinfo),
        )
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise InvalidAccessToken() from exc
    if claims.get("typ") != "access" or parsed.expires_at <= now:
        raise InvalidAccessToken()
    return parsed


def new_opaque_token() -> tuple[str, str]:
    """A fresh random token and the hash that is stored in its place."""
    raw = secrets.token_urlsafe(32)
    return raw, hash_opaque_token(raw)


def hash_opaque_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()
