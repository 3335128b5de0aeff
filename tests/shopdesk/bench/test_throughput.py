"""The throughput benchmark's load generator, against a real HTTP server on loopback."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer

import pytest

from shopdesk.bench.throughput import (
    MESSAGES,
    ThroughputResult,
    drive,
    drive_at_rate,
    markdown,
)


@dataclass
class FakeRestBot:
    """A REST endpoint on loopback that answers every message after ``delay`` seconds."""

    url: str = ""
    delay: float = 0.0
    received: list[tuple[str, str]] = field(default_factory=list)


def _serve(server_class: type[HTTPServer], delay: float) -> Iterator[FakeRestBot]:
    bot = FakeRestBot(delay=delay)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            bot.received.append((body["sender"], body["message"]))
            time.sleep(bot.delay)
            answer = b'[{"text": "ok"}]'
            self.send_response(200)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: object) -> None:
            pass

    server = server_class(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    bot.url = f"http://127.0.0.1:{server.server_address[1]}/webhooks/rest/webhook"
    try:
        yield bot
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def quick_bot() -> Iterator[FakeRestBot]:
    yield from _serve(ThreadingHTTPServer, 0.0)


@pytest.fixture
def slow_bot() -> Iterator[FakeRestBot]:
    """One request at a time, 50 ms each: at most 20 messages per second."""
    yield from _serve(HTTPServer, 0.05)


def shoppers_messages(bot: FakeRestBot) -> list[str]:
    return sorted(text for sender, text in bot.received if not sender.startswith("warm-up"))


def test_held_load_sends_on_schedule_and_every_message_once(quick_bot: FakeRestBot) -> None:
    result = drive_at_rate("bot", quick_bot.url, [], messages=40, concurrency=4, rate=40.0)
    assert result.messages == 40 and result.asked_rate == 40.0
    # 40 messages at 40 per second take about a second, not as long as the server needs.
    assert 0.9 < result.seconds < 3.0
    assert shoppers_messages(quick_bot) == sorted(MESSAGES[i % len(MESSAGES)] for i in range(40))


def test_held_load_counts_the_wait_of_a_bot_that_falls_behind(slow_bot: FakeRestBot) -> None:
    """Asked for 60 messages/s, a bot that answers 20 falls further behind with every
    message: latency counts from when each message was due, so p95 is far above the 50 ms
    one message takes, while the closed loop (which waits for the bot) hides it."""
    held = drive_at_rate("bot", slow_bot.url, [], messages=40, concurrency=4, rate=60.0)
    closed = drive("bot", slow_bot.url, [], messages=40, concurrency=4)
    assert held.messages_per_second < 25
    assert held.p95_ms > 800
    assert closed.p95_ms < held.p95_ms / 2


def test_the_closed_loop_sends_the_same_mix(quick_bot: FakeRestBot) -> None:
    result = drive("bot", quick_bot.url, [], messages=30, concurrency=3)
    assert result.messages == 30 and result.asked_rate == 0.0
    assert shoppers_messages(quick_bot) == sorted(MESSAGES[i % len(MESSAGES)] for i in range(30))


def _result(bot: str, per_second: float, asked_rate: float = 0.0) -> ThroughputResult:
    return ThroughputResult(bot, 1000, 1000 / per_second, per_second, 20.0, 100, 200, asked_rate)


def test_the_report_puts_held_runs_in_their_own_table() -> None:
    text = markdown(
        [
            _result("shopdesk", 60.0),
            _result("shopdesk", 45.0, asked_rate=60.0),
            _result("rasa init (stock)", 20.0),
        ],
        concurrency=20,
    )
    assert "shopdesk / rasa init (stock): 3.00× the throughput" in text
    assert "shopdesk / shopdesk" not in text
    assert "| shopdesk | 60.0 | 45.0 | 100 | 200 | 20.0 |" in text
