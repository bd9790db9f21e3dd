"""Parameter checks that answer with Stripe's error envelope:
`{"error": {"type": "invalid_request_error", "code", "message", "param"}}`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tests.payments.stripe_loopback.localstripe_app import UserError


def invalid(
    param: str, message: str, status: int = 400, code: str = "parameter_invalid"
) -> Exception:
    """The error to raise; localstripe's middleware renders it."""
    error: Exception = UserError(status, message, {"param": param, "code": code})
    return error


def missing(param: str) -> Exception:
    return invalid(param, f"Missing required param: {param}.", code="parameter_missing")


def nested(prefix: str, name: str) -> str:
    """A parameter's name as Stripe spells it: `line_items[0][quantity]`."""
    return f"{prefix}[{name}]" if prefix else name


def only(params: dict[str, Any], allowed: Iterable[str], prefix: str) -> None:
    """Refuse parameters Stripe does not know, or that the loopback does not implement."""
    for name in params:
        if name not in allowed:
            param = nested(prefix, name)
            raise invalid(
                param,
                f"Received unknown parameter: {param} (or the loopback does not implement it)",
                code="parameter_unknown",
            )


def integer(value: Any, param: str, *, minimum: int | None = None) -> int:
    if value is None:
        raise missing(param)
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise invalid(param, f"Invalid integer: {value!r}")
    try:
        number = int(value)
    except ValueError:
        raise invalid(param, f"Invalid integer: {value}") from None
    if minimum is not None and number < minimum:
        raise invalid(param, f"This value must be greater than or equal to {minimum}.")
    return number


def text(value: Any, param: str) -> str:
    if value is None:
        raise missing(param)
    if not isinstance(value, str) or not value:
        raise invalid(param, f"Invalid string: {value!r}")
    return value


def one_of(value: Any, param: str, choices: Iterable[str]) -> str:
    chosen = text(value, param)
    if chosen not in choices:
        raise invalid(param, f"Invalid {param}: must be one of {', '.join(choices)}")
    return chosen


def dictionary(value: Any, param: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise invalid(param, f"Invalid object: {param}")
    return value


def metadata(value: Any, param: str) -> dict[str, str]:
    if value is None:
        return {}
    data = dictionary(value, param)
    for key, item in data.items():
        if not isinstance(item, str):
            raise invalid(f"{param}[{key}]", "Metadata values must be strings.")
    return dict(data)
