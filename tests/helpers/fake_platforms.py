"""A fake of the messaging platforms' APIs on loopback, recording every call.

It answers like Telegram's Bot API (``/bot<token>/<method>``), Twilio's Messages API
(``/2010-04-01/...``), Messenger's Send API (``/me/messages``) and Slack's ``chat.postMessage``;
point the ``SHOPDESK_*_API_URL`` settings at it. ``POST /_received`` lets a scripted bot
report the messages it received (tests/helpers/messaging_server.py).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.helpers.live_shop import free_port

#: The channels' settings in the tests (none is real).
SECRETS = {
    "SHOPDESK_TELEGRAM_TOKEN": "123456:telegram-test-token",
    "SHOPDESK_TELEGRAM_SECRET": "telegram-webhook-secret_1",
    "SHOPDESK_TWILIO_ACCOUNT_SID": "AC0123456789abcdef0123456789abcdef",
    "SHOPDESK_TWILIO_AUTH_TOKEN": "twilio-auth-token",
    "SHOPDESK_TWILIO_NUMBER": "+15550001111",
    "SHOPDESK_TWILIO_WHATSAPP_NUMBER": "+14155238886",
    "SHOPDESK_MESSENGER_PAGE_TOKEN": "page-token",
    "SHOPDESK_MESSENGER_APP_SECRET": "messenger-app-secret",
    "SHOPDESK_MESSENGER_VERIFY_TOKEN": "verify-me",
    "SHOPDESK_SLACK_BOT_TOKEN": "xoxb-slack-token",
    "SHOPDESK_SLACK_SIGNING_SECRET": "slack-signing-secret",
    "SHOPDESK_API_TOKEN": "messaging-api-token",
}


@dataclass(frozen=True)
class Received:
    """A message that reached the scripted bot."""

    text: str
    sender_id: str
    input_channel: str
    metadata: dict[str, Any]


@dataclass
class FakePlatforms:
    """Records calls to the platform APIs and answers as each platform does."""

    url: str = ""
    calls: list[dict[str, Any]] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        """One API call: recorded, answered in the platform's format."""
        if request.content_type == "application/json":
            body: Any = await request.json()
        else:
            body = dict(await request.post())
        path = request.path
        if path == "/_received":
            self.received.append(Received(**body))
            return web.json_response({})
        self.calls.append(
            {
                "path": path,
                "query": dict(request.query),
                "headers": dict(request.headers),
                "body": body,
            }
        )
        if path.startswith("/bot"):
            return web.json_response({"ok": True, "result": {"message_id": len(self.calls)}})
        if path.startswith("/2010-04-01/"):
            return web.json_response({"sid": f"SM{len(self.calls):032d}"}, status=201)
        if path == "/me/messages":
            return web.json_response({"recipient_id": body["recipient"]["id"], "message_id": "m"})
        if path == "/chat.postMessage":
            return web.json_response({"ok": True, "channel": body["channel"], "ts": "1.0"})
        return web.json_response({"error": "unknown path"}, status=404)

    def to(self, prefix: str) -> list[dict[str, Any]]:
        """The recorded calls whose path starts with ``prefix``."""
        return [c for c in self.calls if c["path"].startswith(prefix)]

    def wait_for(self, prefix: str, count: int = 1, timeout: float = 60.0) -> list[dict]:
        """The calls to ``prefix`` once there are at least ``count`` (or all after ``timeout``)."""
        deadline = time.monotonic() + timeout
        while len(self.to(prefix)) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.to(prefix)


@contextmanager
def fake_platforms() -> Iterator[FakePlatforms]:
    """The fake API served on a free loopback port from a thread of its own."""
    port = free_port()
    platforms = FakePlatforms(url=f"http://127.0.0.1:{port}")
    loop = asyncio.new_event_loop()
    started = threading.Event()

    async def serve() -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", platforms.handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        started.set()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.create_task(serve())
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    if not started.wait(10):
        raise RuntimeError("the fake platform API did not start")
    try:
        yield platforms
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
