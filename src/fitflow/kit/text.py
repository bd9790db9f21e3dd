"""Text that PostgreSQL cannot store: NUL characters and unpaired UTF-16 surrogates."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from fitflow.kit.errors import AppError


class UnstorableText(AppError):
    status = 422
    code = "invalid_text"
    message = "Text may not contain NUL characters or unpaired surrogates."


def is_storable(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def refuse_unstorable_text(texts: Iterable[str], json_body: bytes) -> None:
    """Raise `UnstorableText` if any of `texts`, or any string in the JSON body, could not
    be stored. The body is only parsed when it holds an escape that could produce one."""
    if not all(is_storable(text) for text in texts):
        raise UnstorableText()
    if b"\\u" not in json_body:
        return
    try:
        document = json.loads(json_body)
    except ValueError:
        return  # not JSON: the route's own validation answers
    if not all(is_storable(text) for text in _strings(document)):
        raise UnstorableText()


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
