"""Reading the conversation events the Rasa server publishes to RabbitMQ.

With ``SHOPDESK_EVENT_BROKER_URL`` set, every event of every conversation (shopper messages,
bot replies, actions, slots) goes to the queue ``SHOPDESK_EVENT_QUEUE`` as Rasa's JSON event
with its ``sender_id`` (bot/event_broker.py). ``shopdesk events tail`` prints them, one JSON
object per line, for a person watching or for a pipe into an analytics loader; each event
is acknowledged once printed, so several readers of one queue share its events.
"""

from __future__ import annotations

import asyncio
import json
import urllib.parse
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import aio_pika

from shopdesk.settings import Settings
from storage.errors import ShopdeskError

#: How many recent message ids a reader remembers to drop a second copy of an event (the broker
#: sends an event again when its confirmation was lost in an outage: bot/event_broker.py).
REMEMBERED_MESSAGE_IDS = 10_000


class EventBrokerUnavailable(ShopdeskError, ConnectionError):
    """RabbitMQ could not be reached or refused the connection."""


class RecentMessageIds:
    """The last ``size`` message ids seen, oldest forgotten first."""

    def __init__(self, size: int = REMEMBERED_MESSAGE_IDS) -> None:
        self.size = size
        self._ids: OrderedDict[str, None] = OrderedDict()

    def seen_before(self, message_id: str | None) -> bool:
        """True if ``message_id`` was seen already; remembers it otherwise (None: never seen)."""
        if message_id is None:
            return False
        if message_id in self._ids:
            return True
        self._ids[message_id] = None
        if len(self._ids) > self.size:
            self._ids.popitem(last=False)
        return False


async def read_events(
    url: str,
    queue_name: str,
    handle: Callable[[dict[str, Any]], None],
    *,
    count: int | None = None,
    idle_seconds: float | None = None,
) -> int:
    """Pass each event of ``queue_name`` to ``handle``, acknowledging it after.

    A second copy of an event (same ``message_id``) is acknowledged without being passed on.
    Stops after ``count`` events, or once no event came for ``idle_seconds`` (None: never).
    The queue and its exchange are declared as the Rasa server declares them, so reading may
    start before the server. Returns how many events were read.
    """
    try:
        connection = await aio_pika.connect_robust(url, timeout=10)
    except Exception as error:  # aio-pika raises several kinds for the same "cannot connect"
        host = urllib.parse.urlsplit(url).hostname
        raise EventBrokerUnavailable(
            f"Cannot reach the event broker at {host}: {error}. Check SHOPDESK_EVENT_BROKER_URL "
            "and that RabbitMQ is running."
        ) from error
    read = 0
    recent = RecentMessageIds()
    async with connection:
        channel = await connection.channel()
        exchange = await channel.declare_exchange(queue_name, aio_pika.ExchangeType.FANOUT)
        queue = await channel.declare_queue(queue_name, durable=True)
        await queue.bind(exchange, "")
        async with queue.iterator() as messages:
            while count is None or read < count:
                try:
                    message = await asyncio.wait_for(messages.__anext__(), idle_seconds)
                except (asyncio.TimeoutError, StopAsyncIteration):
                    break
                async with message.process():
                    if recent.seen_before(message.message_id):
                        continue
                    handle(json.loads(message.body))
                read += 1
    return read


def tail(
    settings: Settings,
    write: Callable[[str], None],
    *,
    count: int | None = None,
    idle_seconds: float | None = None,
) -> int:
    """Print the queue's events as JSON lines with ``write``; returns how many were printed."""
    if not settings.event_broker_url:
        raise EventBrokerUnavailable(
            "No event broker is configured: set SHOPDESK_EVENT_BROKER_URL "
            "(e.g. amqp://guest:guest@127.0.0.1:5672/) for the Rasa server and this command."
        )
    return asyncio.run(
        read_events(
            settings.event_broker_url,
            settings.event_queue,
            lambda event: write(json.dumps(event, ensure_ascii=False)),
            count=count,
            idle_seconds=idle_seconds,
        )
    )
