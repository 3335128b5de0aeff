"""A Rasa-less server for the messaging channel tests: the four channels and the widget's
staff route on one Sanic app, with a scripted bot.

Run as ``python -m tests.helpers.messaging_server --port P --record URL`` (a process of its own:
Sanic 21.12 serves only once per process, and tests/bot/test_socketio_channel.py serves there).
The scripted bot posts every message it receives to ``URL/_received`` and answers through the
channel's real output channel, which renders and sends to the platforms' API base URLs (the
test's fake platforms, through the SHOPDESK_*_API_URL settings).
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

import aiohttp
from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.core.lock_store import InMemoryLockStore
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
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
    """The app: every messaging channel and the widget channel, over an in-memory agent."""
    from bot.channels import ShopSocketIOInput
    from bot.messaging.messenger import MessengerShopInput
    from bot.messaging.slack import SlackShopInput
    from bot.messaging.telegram import TelegramShopInput
    from bot.messaging.twilio import TwilioShopInput
    from shopdesk.settings import get_settings

    settings = get_settings()
    agent = Agent(
        domain=Domain.empty(),
        tracker_store=InMemoryTrackerStore(Domain.empty()),
        lock_store=InMemoryLockStore(),
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
