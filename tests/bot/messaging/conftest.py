"""The four messaging channels on one real Sanic server, and a fake of each platform's API.

Sanic 21.12 starts one server per process, so every messaging test shares this one. The bot
behind the channels is scripted (:func:`scripted_bot`): it answers through the channel's real
output channel, which renders and sends to :class:`FakePlatforms`, a loopback HTTP server that
answers like the platforms' APIs and records every call. The whole bot behind a channel is
tested in tests/e2e.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.core.lock_store import InMemoryLockStore
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import Sanic

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
}

#: Products the scripted bot shows, as actions.product_presenter.product_card shapes them.
PRODUCTS = [
    {
        "id": n,
        "title": f"Trail Runner {n}",
        "price": 60.0 + n,
        "currency": "USD",
        "price_text": f"${60 + n}.00",
        "in_stock": True,
        "stock": 3 if n == 2 else 20,
        "url": f"https://shop.example.com/products/trail-runner-{n}",
        "image_url": f"https://shop.example.com/images/trail-runner-{n}.jpg",
    }
    for n in range(1, 13)
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class FakePlatforms:
    """Records calls to the platform APIs and answers as each platform does."""

    calls: list[dict[str, Any]] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        body: Any
        if request.content_type == "application/json":
            body = await request.json()
        else:
            body = dict(await request.post())
        self.calls.append(
            {
                "path": request.path,
                "query": dict(request.query),
                "headers": dict(request.headers),
                "body": body,
            }
        )
        path = request.path
        if path.startswith("/bot"):
            if path.endswith("/sendPhoto") and "broken" in str(body.get("photo")):
                return web.json_response(
                    {
                        "ok": False,
                        "error_code": 400,
                        "description": "Bad Request: wrong file identifier/HTTP URL specified",
                    },
                    status=400,
                )
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
    """The running server: its URL, what reached the bot, the fake platforms, the agent."""

    url: str
    received: list[UserMessage]
    platforms: FakePlatforms
    agent: Agent

    def wait_for_calls(self, prefix: str, count: int, timeout: float = 5.0) -> list[dict]:
        """The calls to ``prefix`` once there are at least ``count`` of them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            calls = self.platforms.to(prefix)
            if len(calls) >= count:
                return calls
            time.sleep(0.02)
        return self.platforms.to(prefix)


async def scripted_reply(message: UserMessage) -> dict[str, Any]:
    """What the scripted bot says: products, a question with buttons, or an echo."""
    text = message.text or ""
    if "shoes" in text:
        lines = ["Here are running shoes under $100:"] + [
            f"{n}. {p['title']} — {p['price_text']}, in stock — {p['url']}"
            for n, p in enumerate(PRODUCTS, start=1)
        ]
        return {
            "text": "\n".join(lines + ["Ask me about any of them."]),
            "custom": {"type": "product_list", "products": PRODUCTS},
        }
    if "cancel" in text:
        return {
            "text": "Cancel order 10002?",
            "buttons": [
                {"title": "Yes", "payload": "/affirm"},
                {"title": "No", "payload": "/deny"},
            ],
        }
    if "long" in text:
        return {"text": ("word " * 2000).strip()}
    return {"text": f"echo: {text}"}


@pytest.fixture(scope="session")
def messaging_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MessagingServer]:
    """One Sanic app with the four channels and a fake platform API, on a loop in a thread."""
    from bot.messaging.messenger import MessengerShopInput
    from bot.messaging.slack import SlackShopInput
    from bot.messaging.telegram import TelegramShopInput
    from bot.messaging.twilio import TwilioShopInput
    from shopdesk.settings import get_settings

    api_port, port = _free_port(), _free_port()
    api = f"http://127.0.0.1:{api_port}"
    environment = {
        **SECRETS,
        "SHOPDESK_DATA_DIR": str(tmp_path_factory.mktemp("messaging-data")),
        "SHOPDESK_TELEGRAM_API_URL": api,
        "SHOPDESK_TWILIO_API_URL": api,
        "SHOPDESK_MESSENGER_API_URL": api,
        "SHOPDESK_SLACK_API_URL": api,
        "SHOPDESK_MAX_MESSAGE_CHARS": "500",
    }
    saved = {name: os.environ.get(name) for name in environment}
    os.environ.update(environment)
    settings = get_settings()
    platforms = FakePlatforms()
    received: list[UserMessage] = []
    agent = Agent(
        domain=Domain.empty(),
        tracker_store=InMemoryTrackerStore(Domain.empty()),
        lock_store=InMemoryLockStore(),
    )

    async def scripted_bot(message: UserMessage) -> None:
        received.append(message)
        reply = await scripted_reply(message)
        tracker = await agent.tracker_store.get_or_create_tracker(message.sender_id)
        tracker.update(UserUttered(message.text))
        tracker.update(BotUttered(reply.get("text"), data={"buttons": reply.get("buttons")}))
        await agent.tracker_store.save(tracker)
        await message.output_channel.send_response(message.sender_id, dict(reply))

    app = Sanic("messaging_channels_test")
    app.ctx.agent = agent
    for channel in (
        TelegramShopInput(settings),
        TwilioShopInput(settings),
        MessengerShopInput(settings),
        SlackShopInput(settings),
    ):
        app.blueprint(channel.blueprint(scripted_bot), url_prefix=f"/webhooks/{channel.name()}")

    loop = asyncio.new_event_loop()
    started = threading.Event()

    async def serve() -> None:
        fake = web.Application()
        fake.router.add_route("*", "/{tail:.*}", platforms.handle)
        runner = web.AppRunner(fake, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", api_port).start()
        running = await app.create_server(
            host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False
        )
        await running.startup()
        await running.start_serving()
        started.set()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.create_task(serve())
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(30), "the test servers did not start"
    try:
        yield MessagingServer(f"http://127.0.0.1:{port}", received, platforms, agent)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture
def server(messaging_server: MessagingServer) -> MessagingServer:
    """The shared server with nothing received or sent yet."""
    messaging_server.received.clear()
    messaging_server.platforms.calls.clear()
    return messaging_server
