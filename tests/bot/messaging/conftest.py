"""The messaging channels on a real Sanic server, and a fake of each platform's API.

The server (tests/helpers/messaging_server.py) runs in its own process with a scripted bot
that answers through the channels' real output channels; they render and send to
:class:`FakePlatforms`, a loopback HTTP server in this process that answers like the
platforms' APIs and records every call (and every message that reached the bot). The whole
bot behind a channel is tested in tests/e2e.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web

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
PROJECT_ROOT = Path(__file__).resolve().parents[3]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Received:
    """A message that reached the bot."""

    text: str
    sender_id: str
    input_channel: str
    metadata: dict[str, Any]


@dataclass
class FakePlatforms:
    """Records calls to the platform APIs and answers as each platform does."""

    calls: list[dict[str, Any]] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
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


@dataclass
class MessagingServer:
    """The running server's URL, the fake platforms and what reached the bot."""

    url: str
    platforms: FakePlatforms

    @property
    def received(self) -> list[Received]:
        return self.platforms.received


@pytest.fixture(scope="session")
def messaging_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MessagingServer]:
    """The channels' server process and the fake platform API (on a loop in a thread)."""
    api_port, port = _free_port(), _free_port()
    api = f"http://127.0.0.1:{api_port}"
    platforms = FakePlatforms()
    loop = asyncio.new_event_loop()
    started = threading.Event()

    async def serve_fake() -> None:
        fake = web.Application()
        fake.router.add_route("*", "/{tail:.*}", platforms.handle)
        runner = web.AppRunner(fake, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", api_port).start()
        started.set()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.create_task(serve_fake())
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(10), "the fake platform API did not start"
    data_dir = tmp_path_factory.mktemp("messaging-data")
    env = {
        **os.environ,
        **SECRETS,
        "SHOPDESK_DATA_DIR": str(data_dir),
        "SHOPDESK_TELEGRAM_API_URL": api,
        "SHOPDESK_TWILIO_API_URL": api,
        "SHOPDESK_MESSENGER_API_URL": api,
        "SHOPDESK_SLACK_API_URL": api,
        "SHOPDESK_MAX_MESSAGE_CHARS": "500",
        "SHOPDESK_PUBLIC_URL": "",
    }
    log = open(data_dir / "server.log", "wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.helpers.messaging_server",
            "--port",
            str(port),
            "--record",
            api,
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        assert process.poll() is None, (data_dir / "server.log").read_text()[-3000:]
        assert time.monotonic() < deadline, "the messaging server did not start"
        try:
            if httpx.get(f"{url}/webhooks/telegram/", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    try:
        yield MessagingServer(url, platforms)
    finally:
        process.terminate()
        process.wait(20)
        log.close()
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


@pytest.fixture
def server(messaging_server: MessagingServer) -> MessagingServer:
    """The shared server with nothing received or sent yet."""
    messaging_server.received.clear()
    messaging_server.platforms.calls.clear()
    return messaging_server
