"""The event broker's settings (shopdesk/serve.py) and ``shopdesk events tail``, on the real
RabbitMQ at 127.0.0.1:5672 (a queue of the test's own)."""

from __future__ import annotations

import asyncio
import json
import socket
import uuid

import aio_pika
import pytest
import yaml

from shopdesk.cli import main
from shopdesk.events import EventBrokerUnavailable, RecentMessageIds, tail
from shopdesk.serve import ServerFailedToStart, write_endpoints
from shopdesk.settings import Settings

RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672/"


def test_endpoints_get_the_buffering_broker_with_the_credentials_apart(tmp_path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        event_broker_url="amqp://shop:p%40ss@mq.internal:5673/shop",
        event_queue="events_x",
        event_buffer_size=500,
    )
    endpoints = yaml.safe_load(write_endpoints(settings, tmp_path / "endpoints.yml").read_text())
    assert endpoints["event_broker"] == {
        "type": "bot.event_broker.BufferedPikaEventBroker",
        "url": "amqp://mq.internal:5673/shop",
        "port": 5673,
        "username": "shop",
        "password": "p@ss",
        "queues": ["events_x"],
        "exchange_name": "events_x",
        "buffer_size": 500,
    }
    assert "event_broker" not in yaml.safe_load(
        write_endpoints(Settings(data_dir=tmp_path), tmp_path / "plain.yml").read_text()
    )


def test_a_broker_url_that_is_not_amqp_says_what_to_set(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path, event_broker_url="redis://127.0.0.1:6379/0")
    with pytest.raises(ServerFailedToStart, match="SHOPDESK_EVENT_BROKER_URL must be a RabbitMQ"):
        write_endpoints(settings, tmp_path / "endpoints.yml")


def test_tail_without_a_broker_says_what_to_set(tmp_path) -> None:
    with pytest.raises(EventBrokerUnavailable, match="set SHOPDESK_EVENT_BROKER_URL"):
        tail(Settings(data_dir=tmp_path), print)


@pytest.fixture
def queue_name():
    try:
        socket.create_connection(("127.0.0.1", 5672), timeout=2).close()
    except OSError as exc:
        pytest.fail(f"RabbitMQ is not running on 127.0.0.1:5672: {exc}", pytrace=False)
    name = f"shopdesk_tail_{uuid.uuid4().hex}"
    yield name

    async def delete() -> None:
        connection = await aio_pika.connect_robust(RABBITMQ_URL)
        async with connection:
            channel = await connection.channel()
            await channel.queue_delete(name)
            await channel.exchange_delete(name)

    asyncio.run(delete())


def publish(queue_name: str, events: list[dict], message_ids: list[str] | None = None) -> None:
    async def send() -> None:
        connection = await aio_pika.connect_robust(RABBITMQ_URL)
        async with connection:
            channel = await connection.channel()
            exchange = await channel.declare_exchange(queue_name, aio_pika.ExchangeType.FANOUT)
            queue = await channel.declare_queue(queue_name, durable=True)
            await queue.bind(exchange, "")
            for n, event in enumerate(events):
                message_id = message_ids[n] if message_ids else None
                body = json.dumps(event).encode()
                await exchange.publish(aio_pika.Message(body, message_id=message_id), "")

    asyncio.run(send())


def test_events_tail_prints_each_event_once_as_a_json_line(
    queue_name, monkeypatch, capsys, tmp_path
) -> None:
    events = [
        {"event": "user", "sender_id": "s1", "text": "wo ist meine Bestellung?", "timestamp": 1},
        {"event": "bot", "sender_id": "s1", "text": "Gern!", "timestamp": 2},
    ]
    publish(queue_name, events)
    monkeypatch.setenv("SHOPDESK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SHOPDESK_EVENT_BROKER_URL", RABBITMQ_URL)
    monkeypatch.setenv("SHOPDESK_EVENT_QUEUE", queue_name)
    assert main(["events", "tail", "--count", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line) for line in lines] == events
    # Acknowledged: a second reader finds nothing left.
    assert main(["events", "tail", "--idle", "1"]) == 0
    assert capsys.readouterr().out == ""


def test_a_second_copy_of_an_event_is_printed_once(
    queue_name, monkeypatch, capsys, tmp_path
) -> None:
    """The broker sends an event again when its confirmation was lost (same message id)."""
    first = {"event": "user", "sender_id": "s1", "text": "where is my order?", "timestamp": 1}
    second = {"event": "bot", "sender_id": "s1", "text": "Which order?", "timestamp": 2}
    publish(queue_name, [first, first, second], message_ids=["id-1", "id-1", "id-2"])
    monkeypatch.setenv("SHOPDESK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SHOPDESK_EVENT_BROKER_URL", RABBITMQ_URL)
    monkeypatch.setenv("SHOPDESK_EVENT_QUEUE", queue_name)
    assert main(["events", "tail", "--idle", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line) for line in lines] == [first, second]


def test_recent_message_ids_forget_the_oldest() -> None:
    recent = RecentMessageIds(size=2)
    assert [recent.seen_before(i) for i in ("a", "b", "a", "c", "a")] == [
        False,
        False,
        True,
        False,
        False,
    ]
    assert recent.seen_before("b") is False  # forgotten: the last two ids were "c" and "a"
    assert recent.seen_before(None) is False
