"""Per-sender and per-IP message limits for the channels: over a limit, HTTP 429 + Retry-After.

Each limit counts requests in fixed windows of a minute: ``SHOPDESK_RATE_LIMIT_SENDER``
messages per conversation and ``SHOPDESK_RATE_LIMIT_IP`` requests per client address (0 turns
one off). The counters are in this process by default; with ``SHOPDESK_RATE_LIMIT_REDIS_URL``
(default: the lock store's Redis) they are in Redis, so every Rasa worker and replica counts
against the same limit. When that Redis is down the limits are not enforced (a shopper is never
refused because of it) and the outage is logged once.

Written here rather than with the ``limits`` package: its asynchronous Redis backend needs a
second Redis client library (coredis), while the channels already use redis-py's asyncio
client; a fixed window is two Redis commands.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from redis.exceptions import RedisError
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from shopdesk.settings import get_settings
from storage.outages import Outage

logger = logging.getLogger(__name__)

#: Counters kept in memory before the ones of past windows are dropped.
MAX_LOCAL_KEYS = 100_000


class RateLimiter:
    """Fixed-window counters per sender and per client address."""

    def __init__(
        self, per_sender: int, per_ip: int, redis_url: str = "", window_seconds: int = 60
    ) -> None:
        self.per_sender = per_sender
        self.per_ip = per_ip
        self.redis_url = redis_url
        self.window = window_seconds
        self.outage = Outage(f"The rate limits' Redis ({redis_url})", logger)
        self._redis: Any = None
        self._local: dict[str, tuple[int, int]] = {}

    async def retry_after(self, ip: str | None = None, sender: str | None = None) -> int | None:
        """Count one request of ``ip`` / ``sender``; the seconds to wait when one is over."""
        checks = [("ip", ip, self.per_ip), ("sender", sender, self.per_sender)]
        for kind, key, limit in checks:
            if key and limit > 0:
                count = await self._hit(f"shopdesk:rate:{kind}:{key}")
                if count > limit:
                    logger.info("Rate limit: %s %s over %d/min.", kind, key, limit)
                    return self._seconds_left()
        return None

    def _seconds_left(self) -> int:
        return max(1, math.ceil(self.window - time.time() % self.window))

    async def _hit(self, key: str) -> int:
        window = int(time.time() // self.window)
        if self.redis_url:
            try:
                return await self._redis_hit(f"{key}:{window}")
            except (RedisError, OSError) as error:
                self.outage.failed(error)
                return 0
        count = self._local.get(key, (window, 0))
        count = (window, count[1] + 1 if count[0] == window else 1)
        self._local[key] = count
        if len(self._local) > MAX_LOCAL_KEYS:
            self._local = {k: v for k, v in self._local.items() if v[0] == window}
        return count[1]

    async def _redis_hit(self, key: str) -> int:
        if self._redis is None:
            from redis import asyncio as redis_asyncio

            self._redis = redis_asyncio.Redis.from_url(
                self.redis_url, socket_connect_timeout=0.5, socket_timeout=0.5
            )
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, 2 * self.window)
            count, _ = await pipe.execute()
        self.outage.recovered()
        return int(count)


@lru_cache(maxsize=1)
def channel_limiter() -> RateLimiter:
    """The limiter every channel of this process shares, from the settings."""
    settings = get_settings()
    return RateLimiter(
        settings.rate_limit_sender, settings.rate_limit_ip, settings.rate_limit_redis
    )


def client_ip(request: Request) -> str:
    """The client's address: a trusted proxy's forwarded address, else the peer's."""
    try:
        return request.remote_addr or request.ip
    except Exception:  # a malformed Forwarded header must not fail the request
        return request.ip


def too_many(retry_after: int) -> HTTPResponse:
    """HTTP 429 with ``Retry-After`` and a sentence saying how long to wait."""
    return response.json(
        {"error": f"Too many messages: wait {retry_after} s before sending the next one."},
        status=429,
        headers={"Retry-After": str(retry_after)},
    )


async def limited(
    request: Request, senders: Iterable[str] = (), *, count_ip: bool = True
) -> HTTPResponse | None:
    """The 429 response when the request's address or one of ``senders`` is over its limit."""
    limiter = channel_limiter()
    if count_ip:
        wait = await limiter.retry_after(ip=client_ip(request))
        if wait is not None:
            return too_many(wait)
    for sender in senders:
        wait = await limiter.retry_after(sender=sender)
        if wait is not None:
            return too_many(wait)
    return None
