"""Per-client request limits on top of `limits` (asyncio API): in memory for one process,
Redis when FITFLOW_REDIS_URL is set so several API processes share the counts."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable

from fastapi import Request
from limits import RateLimitItem, parse
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from fitflow.kit import time
from fitflow.kit.errors import RateLimited, raises


def storage_uri(redis_url: str | None) -> str:
    if not redis_url:
        return "async+memory://"
    return "async+" + redis_url if not redis_url.startswith("async+") else redis_url


class RequestLimiter:
    def __init__(self, redis_url: str | None = None) -> None:
        storage = storage_from_string(storage_uri(redis_url))
        if not isinstance(storage, Storage):
            raise TypeError(f"{storage_uri(redis_url)} is not an asyncio storage")
        self.storage = storage
        self._limiter = MovingWindowRateLimiter(storage)
        self._parsed: dict[str, RateLimitItem] = {}

    def _item(self, limit: str) -> RateLimitItem:
        if limit not in self._parsed:
            self._parsed[limit] = parse(limit)
        return self._parsed[limit]

    async def hit(self, limit: str, *identifiers: str) -> None:
        """Count one request against `limit`; raise `RateLimited` with the seconds to
        wait once it is exhausted."""
        item = self._item(limit)
        if await self._limiter.hit(item, *identifiers):
            return
        stats = await self._limiter.get_window_stats(item, *identifiers)
        raise RateLimited(retry_after=max(1, math.ceil(stats.reset_time - time.wall_epoch())))

    async def reset(self) -> None:
        await self.storage.reset()


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def per_client(limit_name: str) -> Callable[[Request], Awaitable[None]]:
    """A dependency counting the request against the client address's `limit_name` limit
    (an attribute of `settings.rate_limits`)."""

    @raises(RateLimited)
    async def limit_client(request: Request) -> None:
        limit: str = getattr(request.app.state.settings.rate_limits, limit_name)
        await request.app.state.limiter.hit(limit, limit_name, client_address(request))

    limiter: Callable[[Request], Awaitable[None]] = limit_client
    return limiter
