"""The widget's socket.io channel on a real Sanic server with a real socket.io client.

The bot behind the channel is a small echo (``on_new_message`` answering through the
channel's output), so these tests check the channel itself: session rooms, custom payloads,
bad events, resent messages, origins and the staff message route. The whole bot behind the
widget is tested in tests/web.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import aiohttp
import pytest
import redis.asyncio as aioredis
import socketio
from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.core.lock_store import InMemoryLockStore
from rasa.core.processor import MessageProcessor
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Sanic
from socketio import AsyncRedisManager

from bot import retries
from bot.channels import (
    FAN_OUT,
    ShopAsyncServer,
    ShopSocketIOInput,
    WebhookError,
    parse_staff_message,
    parse_user_event,
    replies_can_reach_shoppers,
    subscribe_to_fan_out,
)
from bot.rate_limits import RateLimiter
from tests.helpers.live_shop import free_port
from tests.helpers.retry_processor import retry_checked_processor

TOKEN = "channel-test-token"
ORIGIN = "http://shop.test"
SESSION = "0123456789abcdef0123456789abcdef"
REDIS = "redis://127.0.0.1:6379/0"

Bot = Callable[[UserMessage], Awaitable[None]]


class Server:
    """A Sanic app serving the channel; ``received`` holds what reached the bot.

    The bot is :attr:`answer` (the echo unless a test sets another).
    """

    def __init__(self, url: str, agent: Agent, received: list[UserMessage], echo: Bot) -> None:
        self.url = url
        self.agent = agent
        self.received = received
        self.echo = echo
        self.answer = echo

    async def client(self, origin: str = ORIGIN) -> tuple[socketio.AsyncClient, asyncio.Queue]:
        """A connected socket.io client and the queue of every event it receives."""
        events: asyncio.Queue = asyncio.Queue()
        client = socketio.AsyncClient(reconnection=False)

        @client.on("*")
        async def any_event(event: str, data: Any = None) -> None:
            await events.put((event, data))

        await client.connect(self.url, headers={"Origin": origin}, transports=["websocket"])
        return client, events


async def next_event(events: asyncio.Queue, name: str) -> Any:
    """The data of the next event called ``name`` (others are skipped), within 5 s."""
    while True:
        event, data = await asyncio.wait_for(events.get(), timeout=5)
        if event == name:
            return data


@pytest.fixture(scope="module")
def running_server() -> Iterator[Server]:
    """One Sanic server for the module, on its own event loop in a thread.

    (Sanic 21.12 rewrites its request handlers when a server starts, which fails the second
    time in one process, so the server is shared.)
    """
    saved = os.environ.get("SHOPDESK_API_TOKEN")
    os.environ["SHOPDESK_API_TOKEN"] = TOKEN
    channel = ShopSocketIOInput(session_persistence=True, allowed_origins=[ORIGIN])
    received: list[UserMessage] = []

    async def echo(message: UserMessage) -> None:
        received.append(message)
        await message.output_channel.send_text_message(message.sender_id, f"echo: {message.text}")
        await message.output_channel.send_custom_json(
            message.sender_id, {"type": "product_list", "products": [{"title": "Tempo 3"}]}
        )

    app = Sanic("socketio_channel_test")
    app.ctx.agent = Agent(
        domain=Domain.empty(),
        tracker_store=InMemoryTrackerStore(Domain.empty()),
        lock_store=InMemoryLockStore(),
    )
    bots: list[Server] = []

    async def on_new_message(message: UserMessage) -> None:
        await bots[0].answer(message)

    app.blueprint(channel.blueprint(on_new_message), url_prefix="/webhooks/shopdesk")
    port = free_port()
    loop = asyncio.new_event_loop()
    started = threading.Event()

    async def serve() -> Any:
        running = await app.create_server(
            host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False
        )
        await running.startup()
        await running.start_serving()
        started.set()
        return running

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.create_task(serve())
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(30), "the test server did not start"
    try:
        bots.append(Server(f"http://127.0.0.1:{port}", app.ctx.agent, received, echo))
        yield bots[0]
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        if saved is None:
            os.environ.pop("SHOPDESK_API_TOKEN", None)
        else:
            os.environ["SHOPDESK_API_TOKEN"] = saved


@pytest.fixture
def server(running_server: Server) -> Server:
    """The shared server with nothing received yet, answering with the echo."""
    running_server.received.clear()
    running_server.answer = running_server.echo
    return running_server


@pytest.fixture
def stored_bot(server: Server, monkeypatch) -> MessageProcessor:
    """The server's bot checks each message against the stored conversation, as the Rasa
    server does (``bot/retries.py`` inside the conversation's lock), then echoes it."""
    processor = retry_checked_processor(monkeypatch)

    async def checked(message: UserMessage) -> None:
        server.received.append(message)
        async with server.agent.lock_store.lock(message.sender_id):
            await retries.handle_message(processor, message)

    server.answer = checked
    return processor


async def started_conversation(processor: MessageProcessor) -> None:
    """A conversation of :data:`SESSION` whose session has started (as after a greeting)."""
    started = [ActionExecuted("action_session_start"), SessionStarted()]
    tracker = DialogueStateTracker.from_events(SESSION, [*started, ActionExecuted("action_listen")])
    await processor.tracker_store.save(tracker)


async def test_replies_reach_a_persistent_session_with_custom_payloads(server):
    client, events = await server.client()
    await client.emit("session_request", {"session_id": SESSION})
    assert await next_event(events, "session_confirm") == SESSION
    ack = await client.call("user_uttered", {"message": "hi", "session_id": SESSION})
    assert ack == {"ok": True}
    assert await next_event(events, "bot_uttered") == {"text": "echo: hi"}
    assert (await next_event(events, "bot_uttered"))["custom"]["type"] == "product_list"
    assert server.received[0].sender_id == SESSION
    await client.disconnect()


async def test_a_message_emitted_twice_is_handled_once_and_answered_with_the_same_reply(
    server, stored_bot
):
    await started_conversation(stored_bot)
    client, events = await server.client()
    await client.emit("session_request", {"session_id": SESSION})
    await next_event(events, "session_confirm")
    message = {"message": "hi", "session_id": SESSION, "message_id": "m-1"}
    assert await client.call("user_uttered", message) == {"ok": True}
    assert await client.call("user_uttered", message) == {"ok": True}
    # Both copies reach the bot; the second is answered from the stored conversation with the
    # same reply (which the widget shows once).
    reply = {"text": "echo: hi", "reply_to": "m-1", "seq": 0}
    assert await next_event(events, "bot_uttered") == reply
    assert await next_event(events, "bot_uttered") == reply
    assert [m.metadata["message_id"] for m in server.received] == ["m-1", "m-1"]
    tracker = await stored_bot.tracker_store.retrieve(SESSION)
    assert [e.message_id for e in tracker.events if isinstance(e, UserUttered)] == ["m-1"]
    assert [e.text for e in tracker.events if isinstance(e, BotUttered)] == ["echo: hi"]
    await client.disconnect()


async def test_a_message_lost_after_its_acknowledgement_is_handled_when_sent_again(
    server, stored_bot
):
    await started_conversation(stored_bot)
    checked = server.answer
    arrivals: list[UserMessage] = []

    async def dies_the_first_time(message: UserMessage) -> None:
        arrivals.append(message)
        if len(arrivals) > 1:  # the first: the worker was killed before handling it
            await checked(message)

    server.answer = dies_the_first_time
    client, events = await server.client()
    await client.emit("session_request", {"session_id": SESSION})
    await next_event(events, "session_confirm")
    message = {"message": "socks", "session_id": SESSION, "message_id": "m-2"}
    assert await client.call("user_uttered", message) == {"ok": True}
    assert await client.call("user_uttered", message) == {"ok": True}
    assert await next_event(events, "bot_uttered") == {
        "text": "echo: socks",
        "reply_to": "m-2",
        "seq": 0,
    }
    assert len(arrivals) == 2
    tracker = await stored_bot.tracker_store.retrieve(SESSION)
    assert [e.message_id for e in tracker.events if isinstance(e, UserUttered)] == ["m-2"]
    await client.disconnect()


@pytest.mark.parametrize(
    "event, data, words",
    [
        ("user_uttered", {"message": "hi", "session_id": SESSION}, "not confirmed"),
        ("user_uttered", "just a string", "must be an object"),
        ("session_request", {"session_id": "short"}, "session id"),
        ("fetch_everything", {"x": 1}, "Unknown event"),
    ],
)
async def test_bad_events_get_an_error_event_and_reach_no_bot(server, event, data, words):
    client, events = await server.client()
    await client.emit(event, data)
    error = await next_event(events, "shopdesk_error")
    assert words in error["error"]
    assert server.received == []
    assert client.connected
    await client.disconnect()


async def test_an_oversized_message_is_refused_with_the_limit(server):
    client, events = await server.client()
    await client.emit("session_request", {"session_id": SESSION})
    await next_event(events, "session_confirm")
    ack = await client.call("user_uttered", {"message": "x" * 6000, "session_id": SESSION})
    assert ack["ok"] is False and "5,000" in ack["error"]
    assert server.received == []
    await client.disconnect()


async def test_pages_of_other_origins_cannot_connect(server):
    with pytest.raises(socketio.exceptions.ConnectionError):
        await server.client(origin="http://evil.test")


async def post_staff(server: Server, body: Any, token: str | None = TOKEN) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{server.url}/webhooks/shopdesk/staff_message",
            data=body if isinstance(body, bytes) else json.dumps(body),
            headers=headers,
        ) as reply:
            return reply.status, await reply.json()


async def test_a_staff_message_reaches_the_shopper_and_the_transcript(server):
    tracker = await server.agent.tracker_store.get_or_create_tracker(SESSION)
    tracker.update(UserUttered("I need a person"))
    await server.agent.tracker_store.save(tracker)
    client, events = await server.client()
    await client.emit("session_request", {"session_id": SESSION})
    await next_event(events, "session_confirm")

    status, reply = await post_staff(server, {"sender": SESSION, "agent": "Sam", "kind": "joined"})
    assert status == 200, reply
    assert await next_event(events, "bot_uttered") == {
        "text": "Sam joined the conversation",
        "staff": {"agent": "Sam", "kind": "joined"},
    }
    status, _ = await post_staff(
        server, {"sender": SESSION, "agent": "Sam", "kind": "message", "text": "Hi, Sam here"}
    )
    assert status == 200
    assert (await next_event(events, "bot_uttered"))["text"] == "Hi, Sam here"

    stored = await server.agent.tracker_store.retrieve(SESSION)
    staff = [e for e in stored.events if getattr(e, "metadata", {}).get("staff")]
    assert [(e.text, e.metadata["staff"]["kind"]) for e in staff] == [
        ("Sam joined the conversation", "joined"),
        ("Hi, Sam here", "message"),
    ]
    await client.disconnect()


async def test_the_staff_route_needs_the_api_token(server):
    body = {"sender": SESSION, "agent": "Sam", "kind": "message", "text": "hi"}
    assert (await post_staff(server, body, token=None))[0] == 401
    assert (await post_staff(server, body, token="wrong"))[0] == 401


async def test_the_staff_route_names_an_unknown_conversation(server):
    status, reply = await post_staff(
        server, {"sender": "nobody-here", "agent": "Sam", "kind": "message", "text": "hi"}
    )
    assert status == 404 and "nobody-here" in reply["error"]


@pytest.mark.parametrize(
    "body, words",
    [
        (b"{oops", "not valid JSON"),
        ({"agent": "Sam", "text": "hi"}, '"sender"'),
        ({"sender": "a", "text": "hi"}, '"agent"'),
        ({"sender": "a", "agent": "Sam", "kind": "wave"}, '"kind"'),
        ({"sender": "a", "agent": "Sam", "kind": "message"}, "empty"),
    ],
)
def test_bad_staff_bodies_say_what_to_fix(body, words):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    with pytest.raises(WebhookError) as error:
        parse_staff_message(raw, 5000)
    assert error.value.status == 400 and words in str(error.value)


def test_message_metadata_as_a_json_string_is_read():
    _, _, metadata, _ = parse_user_event(
        {"message": "hi", "metadata": '{"page": {"url": "/"}}'}, SESSION, 100
    )
    assert metadata == {"page": {"url": "/"}}


async def test_a_session_over_its_message_limit_is_told_how_long_to_wait(server, monkeypatch):
    monkeypatch.setattr("bot.channels.channel_limiter", lambda: limiter)
    limiter = RateLimiter(per_sender=2, per_ip=0)
    client, events = await server.client()
    await client.emit("session_request", {"session_id": SESSION})
    await next_event(events, "session_confirm")
    acks = [
        await client.call("user_uttered", {"message": f"hi {n}", "session_id": SESSION})
        for n in range(3)
    ]
    assert acks[:2] == [{"ok": True}, {"ok": True}]
    assert acks[2]["ok"] is False and 1 <= acks[2]["retry_after"] <= 60
    assert "Too many messages" in (await next_event(events, "shopdesk_error"))["error"]
    assert len(server.received) == 2
    await client.disconnect()


async def test_a_worker_listens_to_the_redis_fan_out_before_its_first_shopper():
    """Emits from other workers (replies, session confirmations) are not lost after a restart."""
    channel = f"shopdesk-socketio-test-{os.getpid()}"
    sio = ShopAsyncServer(
        async_mode="sanic", client_manager=AsyncRedisManager(REDIS, channel=channel)
    )
    redis = aioredis.Redis.from_url(REDIS)
    try:
        # python-socketio alone subscribes only when the first client connects.
        assert await redis.pubsub_numsub(channel) == [(channel.encode(), 0)]
        await subscribe_to_fan_out(sio)
        assert await redis.pubsub_numsub(channel) == [(channel.encode(), 1)]
    finally:
        sio.manager.thread.cancel()
        await redis.close()


async def test_messages_are_refused_while_the_fan_out_cannot_deliver_replies(caplog):
    """With a Redis manager, a reply that cannot be published is dropped by python-socketio:
    the message is refused instead of being handled with its answer lost."""
    up = ShopAsyncServer(async_mode="sanic", client_manager=AsyncRedisManager(REDIS))
    down = ShopAsyncServer(
        async_mode="sanic",
        client_manager=AsyncRedisManager(f"redis://127.0.0.1:{free_port()}/0"),
    )
    for server in (up, down):
        server.manager._redis_connect()  # what initialize() does, without the listener
    assert await replies_can_reach_shoppers(up)
    assert not await replies_can_reach_shoppers(down)
    assert not await replies_can_reach_shoppers(down)
    assert sum(FAN_OUT.component in r.message for r in caplog.records) == 1
    down.manager.redis = up.manager.redis  # Redis is back
    assert await replies_can_reach_shoppers(down)
    assert "is back" in caplog.records[-1].message
    assert await replies_can_reach_shoppers(ShopAsyncServer(async_mode="sanic"))
    await up.manager.redis.close()
