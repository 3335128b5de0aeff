"""A Rasa-less server for the messaging channel tests: the four channels and the widget's
staff route on one Sanic app, with a scripted bot and a SQLite tracker store.

:func:`serve_channels` runs it as
``python -m tests.helpers.messaging_server --port P --record URL`` (a process of its own:
Sanic 21.12 serves only once per process, and tests/bot/test_socketio_channel.py serves there).
The scripted bot posts every message it receives to ``URL/_received`` and answers through the
channel's real output channel, which renders and sends to the platforms' API base URLs (the
test's fake platforms, through the SHOPDESK_*_API_URL settings).
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp
import httpx

from shopdesk.settings import PROJECT_ROOT
from tests.helpers.fake_platforms import SECRETS, FakePlatforms, Received
from tests.helpers.live_shop import free_port

if TYPE_CHECKING:
    from sanic import Sanic

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

#: Makes a button payload longer than Telegram's 64-byte callback_data.
LONG = '"product": "Trail Runner 1", "colour": "midnight blue"'
#: A product title whose "More like this" payload is longer than 64 bytes.
LONG_TITLE = "Trail Runner 1 Gore-Tex Waterproof Wide Fit — Midnight Blue"


def scripted_reply(text: str) -> dict[str, Any]:
    """What the scripted bot says: products, a question with buttons, a long text, a failure
    ("explode") or an echo."""
    if "shoes" in text:
        lines = ["Here are running shoes under $100:"] + [
            f"{n}. {p['title']} — {p['price_text']}, in stock — {p['url']}"
            for n, p in enumerate(PRODUCTS, start=1)
        ]
        return {
            "text": "\n".join([*lines, "Ask me about any of them."]),
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
    if "sizes" in text:
        return {
            "text": "Which size of the Trail Runner 1?",
            "buttons": [
                {"title": f"EU {size}", "payload": f'/choose_size{{"size": "EU {size}", {LONG}}}'}
                for size in (40, 41)
            ],
        }
    if "long names" in text:
        product = {**PRODUCTS[0], "title": LONG_TITLE}
        return {"text": "Here it is:", "custom": {"type": "product_list", "products": [product]}}
    if "explode" in text:
        raise RuntimeError("the scripted bot failed on purpose")
    if "long" in text:
        return {"text": ("word " * 2000).strip()}
    return {"text": f"echo: {text}"}


def build_app(record_url: str) -> Sanic:
    """The app: every messaging channel and the widget channel, over a SQLite agent (Rasa is
    imported here, in the server's process only)."""
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import UserMessage
    from rasa.core.lock_store import InMemoryLockStore
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import BotUttered, UserUttered
    from sanic import Sanic

    from bot.channels import ShopSocketIOInput
    from bot.messaging.messenger import MessengerShopInput
    from bot.messaging.slack import SlackShopInput
    from bot.messaging.telegram import TelegramShopInput
    from bot.messaging.twilio import TwilioShopInput
    from shopdesk.settings import get_settings

    settings = get_settings()
    # Conversations in SQLite in the data directory, as a production tracker store keeps
    # them: a server restarted on the same directory finds them again.
    tracker_store = SQLTrackerStore(
        Domain.empty(), dialect="sqlite", db=str(settings.data_dir / "conversations.db")
    )
    agent = Agent(
        domain=Domain.empty(), tracker_store=tracker_store, lock_store=InMemoryLockStore()
    )

    async def scripted_bot(message: UserMessage) -> None:
        async with aiohttp.ClientSession() as session:
            await session.post(
                f"{record_url}/_received",
                json={
                    "text": message.text,
                    "sender_id": message.sender_id,
                    "input_channel": message.input_channel,
                    "metadata": message.metadata,
                },
            )
        reply = scripted_reply(message.text or "")
        tracker = await agent.tracker_store.get_or_create_tracker(message.sender_id)
        tracker.update(UserUttered(message.text, input_channel=message.input_channel))
        data = {"buttons": reply.get("buttons"), "custom": reply.get("custom")}
        tracker.update(BotUttered(reply.get("text"), data=data))
        await agent.tracker_store.save(tracker)
        await message.output_channel.send_response(message.sender_id, dict(reply))

    app = Sanic("messaging_channels_test")
    app.ctx.agent = agent
    for channel in (
        TelegramShopInput(settings),
        TwilioShopInput(settings),
        MessengerShopInput(settings),
        SlackShopInput(settings),
        ShopSocketIOInput(),  # its staff_message route sends staff replies to every channel
    ):
        app.blueprint(channel.blueprint(scripted_bot), url_prefix=f"/webhooks/{channel.name()}")
    return app


@dataclass
class MessagingServer:
    """The running server's URL, the fake platforms and what reached the bot."""

    url: str
    platforms: FakePlatforms
    log: Path

    @property
    def received(self) -> list[Received]:
        return self.platforms.received


@contextmanager
def serve_channels(platforms: FakePlatforms, data_dir: Path) -> Iterator[MessagingServer]:
    """A channels' server process keeping its conversations in ``data_dir`` (a restart on the
    same directory finds them again)."""
    api, port = platforms.url, free_port()
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
    log = open(data_dir / "server.log", "ab")
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
        yield MessagingServer(url, platforms, data_dir / "server.log")
    finally:
        process.terminate()
        process.wait(20)
        log.close()


def main() -> None:
    """Serve until terminated."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--record", required=True)
    args = parser.parse_args()
    # The channels' log lines (why a request was refused or ignored) go to the test's log.
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    build_app(args.record).run(host="127.0.0.1", port=args.port, access_log=False, workers=1)


if __name__ == "__main__":
    main()
