"""Short signed values (a check-in token in a QR code): the value and an HMAC-SHA256 of
it under the process's signing key, separated by a dot. Each use names a purpose, so a
value signed for one purpose never verifies for another."""

from __future__ import annotations

import base64
import hashlib
import hmac

SIGNATURE_BYTES = 16


def _mac(key: str, purpose: str, value: str) -> str:
    digest = hmac.new(key.encode(), f"{purpose}\x1f{value}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:SIGNATURE_BYTES]).decode().rstrip("=")


def sign(key: str, purpose: str, value: str) -> str:
    if "." in value:
        raise ValueError("a signed value cannot contain a dot")
    return f"{value}.{_mac(key, purpose, value)}"


def unsign(key: str, purpose: str, token: str) -> str | None:
    """The value, if `token` was signed with `key` for `purpose`; else None."""
    value, _, signature = token.partition(".")
    if not value or not signature:
        return None
    expected = _mac(key, purpose, value).encode()
    return value if hmac.compare_digest(signature.encode(), expected) else None
