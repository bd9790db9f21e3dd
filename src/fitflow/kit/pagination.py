"""Keyset pagination: `limit` (1..200, default 50) and an opaque `cursor`."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import Select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from fitflow.kit.errors import AppError, raises

T = TypeVar("T")
DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class InvalidCursor(AppError):
    status = 400
    code = "invalid_cursor"
    message = "The cursor is not one this list handed out."


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None


class PageParams(BaseModel):
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None


@raises(InvalidCursor)
async def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> PageParams:
    return PageParams(limit=limit, cursor=cursor)


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, default=str).encode()).decode()


def decode_cursor(cursor: str, length: int) -> list[Any]:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidCursor() from exc
    if not isinstance(values, list) or len(values) != length:
        raise InvalidCursor()
    return values


def decode_time_id_cursor(cursor: str | None) -> tuple[datetime, uuid.UUID] | None:
    """A cursor made of an instant and an id, the usual keyset of FitFlow's lists."""
    if cursor is None:
        return None
    instant, identifier = decode_cursor(cursor, 2)
    try:
        at = datetime.fromisoformat(str(instant))
        return (at if at.tzinfo else at.replace(tzinfo=UTC)), uuid.UUID(str(identifier))
    except ValueError as exc:
        raise InvalidCursor() from exc


async def keyset_page(
    session: AsyncSession,
    query: Select[*tuple[Any, ...]],
    *,
    key: tuple[InstrumentedAttribute[datetime], InstrumentedAttribute[uuid.UUID]],
    params: PageParams,
    newest_first: bool = False,
) -> tuple[list[Any], str | None]:
    """Run `query` ordered by `key` from the cursor on; return the rows and the next cursor.
    Each row's first element must carry the key attributes."""
    after = decode_time_id_cursor(params.cursor)
    column = tuple_(*key)
    if after is not None:
        query = query.where(column < tuple_(*after) if newest_first else column > tuple_(*after))
    order = [k.desc() for k in key] if newest_first else [k.asc() for k in key]
    rows = list((await session.execute(query.order_by(*order).limit(params.limit + 1))).all())
    if len(rows) <= params.limit:
        return rows, None
    rows = rows[: params.limit]
    last = rows[-1][0]
    time_attr, id_attr = (getattr(last, k.key) for k in key)
    return rows, encode_cursor([time_attr.isoformat(), str(id_attr)])
