"""bot/event_broker.py against the real RabbitMQ on 127.0.0.1:5672, cut off by a TCP proxy.

RabbitMQ is shared by everything on the machine, so it is never stopped: the broker talks to
it through tests/helpers/tcp_proxy.py, which these tests close and reopen.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
import uuid

import aio_pika
import pytest
from prometheus_client import REGISTRY
from rasa.utils.endpoints import EndpointConfig

from bot.event_broker import BufferedPikaEventBroker
from tests.helpers.live_shop import free_port
from tests.helpers.tcp_proxy import TcpProxy

RABBITMQ = ("127.0.0.1", 5672)


@pytest.fixture
def rabbitmq() -> None:
    try:
        socket.create_connection(RABBITMQ, timeout=2).close()
    except OSError as exc:
        pytest.fail(f"RabbitMQ is not running on {RABBITMQ[0]}:{RABBITMQ[1]}: {exc}", pytrace=False)


@pytest.fixture
async def queue(rabbitmq):
    """A queue of this test's own, bound to its fanout exchange as the broker binds it."""
    name = f"shopdesk_test_{uuid.uuid4().hex}"
    connection = await aio_pika.connect_robust("amqp://guest:guest@127.0.0.1:5672/")
    channel = await connection.channel()
    exchange = await channel.declare_exchange(name, aio_pika.ExchangeType.FANOUT)
    declared = await channel.declare_queue(name, durable=True)
    await declared.bind(exchange, "")
    try:
        yield declared
    finally:
        await declared.delete(if_unused=False, if_empty=False)
        await exchange.delete()
        await connection.close()


def broker_for(queue_name: str, port: int, buffer_size: int = 100) -> EndpointConfig:
    return EndpointConfig.from_dict(
        {
            "type": "bot.event_broker.BufferedPikaEventBroker",
            "url": f"amqp://127.0.0.1:{port}/",
            "port": port,
            "username": "guest",
            "password": "guest",
            "queues": [queue_name],
            "exchange_name": queue_name,
            "buffer_size": buffer_size,
            "retry_delay_in_seconds": 0.2,
        }
    )


def event(n: int) -> dict:
    return {"event": "user", "sender_id": "shopper-1", "text": f"message {n}", "timestamp": n}


class Inbox:
    """What a test queue received. Delivery is at least once (bot/event_broker.py): a copy of
    an event already received must carry its first copy's message id, and is not new."""

    def __init__(self, queue: aio_pika.abc.AbstractQueue) -> None:
        self.queue = queue
        self.ids: dict[str, str | None] = {}

    async def new_events(self, seconds: float, expected: int | None = None) -> list[str]:
        """Texts of events not received before, waiting up to ``seconds`` for ``expected``."""
        new: list[str] = []
        deadline = time.monotonic() + seconds
        while (expected is None or len(new) < expected) and time.monotonic() < deadline:
            message = await self.queue.get(no_ack=True, fail=False)
            if message is None:
                await asyncio.sleep(0.1)
                continue
            text = json.loads(message.body)["text"]
            assert message.message_id, f"{text!r} came without a message id"
            if text in self.ids:
                assert self.ids[text] == message.message_id, f"{text!r} came again, another id"
                continue
            self.ids[text] = message.message_id
            new.append(text)
        return new


def sample(name: str) -> float:
    return REGISTRY.get_sample_value(name) or 0.0


async def test_events_published_while_rabbitmq_is_down_arrive_once_it_is_back(queue) -> None:
    proxy = TcpProxy(RABBITMQ, free_port())  # down from the start
    started = time.monotonic()
    broker = await BufferedPikaEventBroker.from_endpoint_config(broker_for(queue.name, proxy.port))
    assert time.monotonic() - started < 1, "the server must not wait for RabbitMQ to start"
    assert broker is not None
    try:
        for n in (1, 2, 3):
            broker.publish(event(n))
        assert sample("shopdesk_events_buffered") == 3
        inbox = Inbox(queue)
        assert await inbox.new_events(1.0, 1) == []

        proxy.up()
        assert sorted(await inbox.new_events(20, 3)) == ["message 1", "message 2", "message 3"]
        assert sample("shopdesk_events_buffered") == 0
        broker.publish(event(4))
        assert await inbox.new_events(10, 1) == ["message 4"]

        proxy.down()  # RabbitMQ gone mid-run: publishing still returns at once
        started = time.monotonic()
        for n in (5, 6):
            broker.publish(event(n))
        assert time.monotonic() - started < 0.1
        await asyncio.sleep(1)
        assert await inbox.new_events(0.5, 1) == []

        proxy.up()
        assert sorted(await inbox.new_events(30, 2)) == ["message 5", "message 6"]
        # At least once: an event whose confirmation was lost in the outage may come again,
        # with its first copy's id (Inbox checks it), which readers use to drop it.
        assert await inbox.new_events(1.0) == [], "nothing but copies of events already received"
    finally:
        await broker.close()
        proxy.down()


async def test_a_full_buffer_drops_the_oldest_events_and_counts_them(queue) -> None:
    proxy = TcpProxy(RABBITMQ, free_port())
    broker = await BufferedPikaEventBroker.from_endpoint_config(
        broker_for(queue.name, proxy.port, buffer_size=2)
    )
    assert broker is not None
    dropped = sample("shopdesk_events_dropped_total")
    try:
        for n in range(1, 6):
            broker.publish(event(n))
        assert sample("shopdesk_events_dropped_total") - dropped == 3
        proxy.up()
        inbox = Inbox(queue)
        assert sorted(await inbox.new_events(20, 2)) == ["message 4", "message 5"]
        assert await inbox.new_events(1.0) == []
    finally:
        await broker.close()
        proxy.down()


async def test_stock_rasa_would_not_start_without_rabbitmq_and_ours_does() -> None:
    """Why bot/event_broker.py exists: Rasa's own broker gives up and the server with it."""
    from rasa.core.brokers.broker import EventBroker
    from rasa.shared.exceptions import ConnectionException

    port = free_port()  # nothing listens there
    stock = EndpointConfig.from_dict(
        {
            "type": "pika",
            "url": f"amqp://127.0.0.1:{port}/",
            "port": port,
            "username": "guest",
            "password": "guest",
            "queues": ["never"],
            # Rasa's defaults are 20 attempts 5 s apart: 100 s without an answer, then this.
            "connection_attempts": 2,
            "retry_delay_in_seconds": 0.1,
        }
    )
    with pytest.raises(ConnectionException):
        await EventBroker.create(stock)
    ours = await EventBroker.create(broker_for("never", port))
    assert isinstance(ours, BufferedPikaEventBroker)
    await ours.close()
