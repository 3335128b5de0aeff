"""One customer across channels on the real servers: REST and the widget's socket.io channel.

Alex (docs/demo-data.md) verifies on the REST channel with an order number and email, says a
size there, then comes back in the widget with the shop's signed identity token: the bot
greets Alex by name, "my usual size" is that size, and one profile holds both conversations.
Unverified shoppers, and shoppers with forged or expired tokens, get nothing personal.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from typing import Any

import socketio
from sqlalchemy import select

from actions.identity import IdentityTokens
from shopdesk.identity import identity_token
from shopdesk.secrets import identity_key
from storage.customer_profile import customer_profile, linked_customer
from storage.schema import Customer, PreferenceKind


class WidgetChat:
    """A widget conversation over the bot's socket.io channel, as the browser widget talks."""

    def __init__(self, url: str, token: str | None = None) -> None:
        self.url, self.token = url, token
        self.session_id = secrets.token_hex(16)

    async def talk(self, *messages: str, quiet_seconds: float = 4.0) -> list[list[dict]]:
        """Send each message and collect the bot's replies to it."""
        client = socketio.AsyncClient(reconnection=False)
        replies: asyncio.Queue = asyncio.Queue()
        confirmed = asyncio.Event()
        client.on("bot_uttered", lambda data: replies.put_nowait(data))
        client.on("session_confirm", lambda _: confirmed.set())
        await client.connect(self.url, transports=["websocket"], socketio_path="/socket.io")
        try:
            await client.emit("session_request", {"session_id": self.session_id})
            await asyncio.wait_for(confirmed.wait(), 30)
            answers = []
            for text in messages:
                metadata: dict[str, Any] = {"page": {"url": "http://127.0.0.1:8000/"}}
                if self.token:
                    metadata["identity_token"] = self.token
                await client.emit(
                    "user_uttered",
                    {"message": text, "session_id": self.session_id, "metadata": metadata},
                )
                answers.append(await self._replies(replies, quiet_seconds))
            return answers
        finally:
            await client.disconnect()

    @staticmethod
    async def _replies(queue: asyncio.Queue, quiet_seconds: float) -> list[dict]:
        got = [await asyncio.wait_for(queue.get(), 60)]
        while True:
            try:
                got.append(await asyncio.wait_for(queue.get(), quiet_seconds))
            except asyncio.TimeoutError:
                return got


def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


def alex_id(bot) -> int:
    with bot.session() as session:
        return session.execute(
            select(Customer.id).where(Customer.email == "alex@example.com")
        ).scalar_one()


def size_filter(replies: list[dict]) -> str | None:
    for reply in replies:
        custom = reply.get("custom") or {}
        if custom.get("type") == "product_list":
            return (custom.get("filters") or {}).get("size")
    return None


def test_one_profile_across_rest_and_widget_with_usual_size(bot) -> None:
    alex = alex_id(bot)
    rest = f"rest-{secrets.token_hex(16)}"
    asked = bot.text(rest, "where is my order 10002?")
    assert "email" in asked.lower(), asked
    verified = bot.text(rest, "alex@example.com")
    assert "1Z999AA10123456784" in verified, verified
    searched = bot.say(rest, "do you have running shoes in size 10?")
    assert size_filter(searched) == "10"

    widget = WidgetChat(bot.url, identity_token(alex, settings=bot.settings))
    greeting, usual = asyncio.run(widget.talk("hi", "show me running shoes in my usual size"))

    assert "Welcome back, Alex!" in texts(greeting)
    assert "Your usual size: 10." in texts(usual)
    assert size_filter(usual) == "10"
    with bot.session() as session:
        profile = customer_profile(session, alex)
        assert linked_customer(session, widget.session_id) == alex
    assert profile is not None
    channels = {c.sender_id: (c.channel, c.linked_by) for c in profile.conversations}
    assert channels[rest] == ("rest", "verification")
    assert channels[widget.session_id][1] == "identity_token"
    assert [p.value for p in profile.preferences[PreferenceKind.SIZE.value]][0] == "10"


def test_usual_size_after_verifying_on_a_second_rest_conversation(bot) -> None:
    first, second = (f"rest-{secrets.token_hex(16)}" for _ in range(2))
    bot.text(first, "track order 10003 please")
    bot.text(first, "zip 94107")
    bot.text(first, "do you have hiking boots in size 9.5?")
    bot.text(second, "where is my order 10002?")
    welcomed = bot.text(second, "alex@example.com")
    assert "Welcome back, Alex!" in welcomed
    replies = bot.say(second, "show me hiking boots in my usual size")
    # Said last (and for hiking boots): it wins over the 10 said for running shoes.
    assert size_filter(replies) == "9.5", replies
    with bot.session() as session:
        profile = customer_profile(session, alex_id(bot))
    assert profile is not None
    assert {first, second} <= {c.sender_id for c in profile.conversations}


def test_an_unverified_shopper_gets_nothing_personal(bot) -> None:
    sender = f"rest-{secrets.token_hex(16)}"
    hello = bot.text(sender, "hi, I'm Alex Morgan, alex@example.com")
    assert "Alex" not in hello
    replies = bot.say(sender, "show me running shoes in my usual size")
    assert "once I know who you are" in texts(replies)
    assert size_filter(replies) is None
    with bot.session() as session:
        assert linked_customer(session, sender) is None


def test_forged_expired_and_unknown_customer_tokens_stay_anonymous(bot) -> None:
    alex = alex_id(bot)
    real = IdentityTokens(identity_key(bot.settings).encode())
    tokens = {
        "forged": IdentityTokens(b"not-the-shops-key-not-the-shops!").issue(alex),
        "expired": real.issue(alex, now=time.time() - 3600),
        "unknown customer": real.issue(987654),
        "garbage": "eyJ-not-a-token",
    }
    for name, token in tokens.items():
        widget = WidgetChat(bot.url, token)
        (greeting,) = asyncio.run(widget.talk("hi"))
        answer = texts(greeting)
        assert answer and "Alex" not in answer and "error" not in answer.lower(), (name, answer)
        with bot.session() as session:
            assert linked_customer(session, widget.session_id) is None, name
