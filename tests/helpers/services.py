"""The local services some tests need, checked up front with a message saying how to start them."""

from __future__ import annotations

import socket

import pytest

REDIS = ("127.0.0.1", 6379)


def require_redis(needed_for: str) -> None:
    """Fail the test with how to start Redis when nothing answers on 127.0.0.1:6379."""
    try:
        socket.create_connection(REDIS, timeout=2).close()
    except OSError as exc:
        pytest.fail(
            f"Redis is not running on {REDIS[0]}:{REDIS[1]} (needed for {needed_for}): {exc}. "
            "Start it with: redis-server --daemonize yes",
            pytrace=False,
        )
