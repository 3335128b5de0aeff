"""``python -m tests.helpers.scripted_channel_server --port N``: the widget's real socket.io
channel (bot.channels.ShopSocketIOInput) in front of a scripted bot instead of a trained one.

The widget's rendering tests drive it: the answers are fixed by the shopper's words, so a
test knows exactly what the widget must show, and the server starts in a second.

* "cards ..." -> a text and a product_list payload (one product titled with HTML markup)
* "options"   -> a question with two quick replies
* "rate"      -> the rating question (buttons /rate{"rating": "N"}, as utter_ask_rating)
* anything else -> "You said: <text>" (+ " on <product handle>" when sent from a product page,
  + " (identity token of N characters)" when the message carried the shop's identity token)
"""

from __future__ import annotations

import argparse

from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.core.lock_store import InMemoryLockStore
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from sanic import Sanic, response

from bot.channels import ShopSocketIOInput

HOSTILE_TITLE = "<img src=x onerror=alert(1)>"


def product(pid: int, title: str, handle: str, price: float, in_stock: bool = True) -> dict:
    """A product card as actions/product_presenter.product_card builds it."""
    return {
        "id": pid,
        "title": title,
        "price": price,
        "currency": "USD",
        "price_text": f"${price:,.2f}",
        "in_stock": in_stock,
        "rating": 4.5,
        "url": f"http://127.0.0.1/products/{handle}",
        "image_url": None,
    }


async def scripted_bot(agent: Agent, message: UserMessage) -> None:
    """Answer ``message`` by its words and keep it in the conversation's tracker."""
    tracker = await agent.tracker_store.get_or_create_tracker(message.sender_id)
    tracker.update(UserUttered(message.text, metadata=message.metadata))
    await agent.tracker_store.save(tracker)
    out, sender, text = message.output_channel, message.sender_id, message.text or ""
    if text.startswith("cards"):
        await out.send_text_message(sender, "Here are two: see https://example.com/help")
        await out.send_custom_json(
            sender,
            {
                "type": "product_list",
                "products": [
                    product(1, "Stridewell Tempo 3 Running Shoe", "stridewell-tempo-3", 89.99),
                    product(2, HOSTILE_TITLE, "hostile", 19.99, in_stock=False),
                ],
            },
        )
    elif text == "options":
        buttons = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]
        await out.send_text_with_buttons(sender, "Shall I go on?", buttons)
    elif text == "rate":
        buttons = [
            {"title": str(n), "payload": f'/rate{{"rating": "{n}"}}'} for n in range(5, 0, -1)
        ]
        await out.send_text_with_buttons(sender, "Did that help? Rate this chat.", buttons)
    else:
        page = (message.metadata or {}).get("page") or {}
        where = f" on {page['product_handle']}" if page.get("product_handle") else ""
        token = (message.metadata or {}).get("identity_token")
        signed = f" (identity token of {len(token)} characters)" if token else ""
        await out.send_text_message(sender, f"You said: {text}{where}{signed}")


def main() -> None:
    """Serve the channel with the scripted bot on ``--port`` (origins: ``--origin``)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--origin", action="append", default=[])
    args = parser.parse_args()
    app = Sanic("scripted_channel_server")
    agent = Agent(
        domain=Domain.empty(),
        tracker_store=InMemoryTrackerStore(Domain.empty()),
        lock_store=InMemoryLockStore(),
    )
    app.ctx.agent = agent
    channel = ShopSocketIOInput(session_persistence=True, allowed_origins=args.origin or ["*"])

    async def on_new_message(message: UserMessage) -> None:
        await scripted_bot(agent, message)

    app.blueprint(channel.blueprint(on_new_message), url_prefix="/webhooks/shopdesk")

    @app.get("/")
    async def health(_request):
        return response.text("ok")

    app.run(host="127.0.0.1", port=args.port, access_log=False, motd=False)


if __name__ == "__main__":
    main()
