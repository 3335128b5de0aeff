"""Rate limits: a sender or an address over its limit waits; workers share counts in Redis."""

from __future__ import annotations

import asyncio
import secrets
import socket

from bot.rate_limits import RateLimiter

REDIS = "redis://127.0.0.1:6379/0"


def hits(limiter: RateLimiter, count: int, **who: str) -> list[int | None]:
    async def send() -> list[int | None]:
        return [await limiter.retry_after(**who) for _ in range(count)]

    return asyncio.run(send())


def test_a_sender_over_the_limit_is_told_how_long_to_wait():
    limiter = RateLimiter(per_sender=3, per_ip=0)

    waits = hits(limiter, 4, sender="shopper-1")

    assert waits[:3] == [None, None, None]
    assert waits[3] is not None and 1 <= waits[3] <= 60
    assert hits(limiter, 1, sender="shopper-2") == [None]  # another conversation is not held up


def test_an_address_over_the_limit_is_refused_whatever_the_sender():
    limiter = RateLimiter(per_sender=100, per_ip=2)

    waits = [asyncio.run(limiter.retry_after(ip="203.0.113.9", sender=f"s{i}")) for i in range(3)]

    assert waits[:2] == [None, None] and waits[2] is not None


def test_zero_turns_a_limit_off():
    assert hits(RateLimiter(per_sender=0, per_ip=0), 200, ip="1.2.3.4", sender="x") == [None] * 200


def test_two_workers_share_the_counts_in_redis():
    sender = secrets.token_hex(8)
    first, second = RateLimiter(2, 0, REDIS), RateLimiter(2, 0, REDIS)

    assert hits(first, 2, sender=sender) == [None, None]
    assert hits(second, 1, sender=sender)[0] is not None


def test_a_redis_that_is_down_refuses_nobody_and_is_logged_once(caplog):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    limiter = RateLimiter(1, 1, f"redis://127.0.0.1:{port}/0")

    assert hits(limiter, 5, ip="1.2.3.4", sender="x") == [None] * 5
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1 and "rate limits' Redis" in errors[0].getMessage()
