"""What operators rely on, on the real servers: the event broker, /metrics, health, JSON logs.

One Rasa server and action server (the ``bot`` fixture's model) publish their events to the
real RabbitMQ through a TCP proxy the tests cut and restore (RabbitMQ itself is shared and never
stopped), and log in JSON. The proxy is down when the server starts, as a broker that is down
at deploy time would be.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aio_pika
import pytest
from prometheus_client.parser import text_string_to_metric_families

from shopdesk.serve import local_url, start_bot
from shopdesk.training import latest_model
from tests.helpers.tcp_proxy import TcpProxy

RABBITMQ = ("127.0.0.1", 5672)


@dataclasses.dataclass
class OperatedBot:
    """The running servers, the proxy in front of RabbitMQ and the events queue."""

    client: Any
    proxy: TcpProxy
    queue: str
    action_url: str
    log: Any
    running: Any


@pytest.fixture(scope="module")
def operated(bot, free_port, tmp_path_factory) -> Iterator[OperatedBot]:
    queue = f"shopdesk_e2e_{uuid.uuid4().hex}"
    proxy = TcpProxy(RABBITMQ, free_port())  # down: the server starts without its broker
    settings = dataclasses.replace(
        bot.settings,
        rasa_port=free_port(),
        action_port=free_port(),
        event_broker_url=f"amqp://guest:guest@127.0.0.1:{proxy.port}/",
        event_queue=queue,
        log_format="json",
    )
    logs = tmp_path_factory.mktemp("operations-logs")
    started = time.monotonic()
    running = start_bot(settings, latest_model(settings.rasa_model_dir), log_dir=logs)
    startup = time.monotonic() - started
    try:
        client = type(bot)(f"http://127.0.0.1:{settings.rasa_port}", running.token, settings)
        client.startup_seconds = startup
        yield OperatedBot(
            client,
            proxy,
            queue,
            local_url(settings.action_host, settings.action_port),
            logs / "rasa-server.log",
            running,
        )
    finally:
        running.stop()
        proxy.down()
        asyncio.run(_delete_queue(queue))


async def _delete_queue(name: str) -> None:
    connection = await aio_pika.connect_robust("amqp://guest:guest@127.0.0.1:5672/")
    async with connection:
        channel = await connection.channel()
        await channel.queue_delete(name)
        await channel.exchange_delete(name)


def events_of(queue: str, sender: str, until: Any, seconds: float) -> list[dict]:
    """The queue's events of ``sender`` (others are consumed too), waiting for ``until(events)``."""

    async def read() -> list[dict]:
        found: list[dict] = []
        connection = await aio_pika.connect_robust("amqp://guest:guest@127.0.0.1:5672/")
        async with connection:
            channel = await connection.channel()
            # Declared and bound as the broker declares them: reading may start before the
            # broker has (re)connected, and what it publishes then still lands here.
            exchange = await channel.declare_exchange(queue, aio_pika.ExchangeType.FANOUT)
            declared = await channel.declare_queue(queue, durable=True)
            await declared.bind(exchange, "")
            deadline = time.monotonic() + seconds
            while not until(found) and time.monotonic() < deadline:
                message = await declared.get(no_ack=True, fail=False)
                if message is None:
                    await asyncio.sleep(0.2)
                    continue
                event = json.loads(message.body)
                if event.get("sender_id") == sender:
                    found.append(event)
        return found

    return asyncio.run(read())


def texts(events: list[dict], kind: str) -> list[str]:
    return [e.get("text") or "" for e in events if e.get("event") == kind]


def json_records(log: Path) -> list[dict]:
    """The JSON log lines of a server's log file."""
    return [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]


def said(message: str) -> Any:
    return lambda events: message in texts(events, "user") and texts(events, "bot")


def answered(message: str) -> Any:
    """``said``, and the turn finished (the bot listens again): none of its events left behind."""

    def done(events: list[dict]) -> bool:
        last = events[-1] if events else {}
        return bool(said(message)(events)) and last.get("name") == "action_listen"

    return done


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def samples(url: str) -> dict[tuple[str, tuple], float]:
    """The Prometheus samples at ``url``: (name, sorted labels) -> value."""
    status, body = fetch(url + "/metrics")
    assert status == 200, body
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body)
        for s in family.samples
    }


def test_a_broker_down_at_start_holds_up_nothing_and_gets_the_events_when_back(operated) -> None:
    # Stock Rasa waits 20 x 5 s for RabbitMQ before it answers anyone, then refuses to start.
    assert operated.client.startup_seconds < 90
    sender = f"ops-{uuid.uuid4().hex}"
    started = time.monotonic()
    assert operated.client.text(sender, "hi"), "the shopper gets a reply with the broker down"
    assert time.monotonic() - started < 10
    operated.proxy.up()
    events = events_of(operated.queue, sender, said("hi"), seconds=40)
    assert "hi" in texts(events, "user") and texts(events, "bot"), events


def test_a_broker_lost_mid_conversation_gets_the_events_when_back(operated) -> None:
    operated.proxy.up()
    sender = f"ops-{uuid.uuid4().hex}"
    assert operated.client.text(sender, "hi")
    assert answered("hi")(events_of(operated.queue, sender, answered("hi"), seconds=30))

    operated.proxy.down()
    started = time.monotonic()
    reply = operated.client.text(sender, "do you have running shoes under $100?")
    assert reply and time.monotonic() - started < 10, "the reply does not wait for RabbitMQ"
    assert events_of(operated.queue, sender, lambda e: False, seconds=2) == []

    operated.proxy.up()
    events = events_of(
        operated.queue, sender, said("do you have running shoes under $100?"), seconds=40
    )
    assert "do you have running shoes under $100?" in texts(events, "user"), events
    assert any(reply.splitlines()[0] in text for text in texts(events, "bot")), events


def test_a_broker_outage_is_logged_once_as_json_naming_the_conversation(operated) -> None:
    operated.proxy.up()
    sender = f"ops-{uuid.uuid4().hex}"
    assert operated.client.text(sender, "hi")
    assert answered("hi")(events_of(operated.queue, sender, answered("hi"), seconds=30))
    operated.proxy.down()
    for _ in range(3):
        assert operated.client.text(sender, "hi")
    operated.proxy.up()
    back = events_of(operated.queue, sender, lambda e: len(texts(e, "user")) >= 3, seconds=40)
    assert len(texts(back, "user")) == 3

    records = json_records(operated.log)
    assert records and all({"time", "level", "logger", "message"} <= r.keys() for r in records)
    outage = [
        r
        for r in records
        if r.get("conversation_id") == sender and "event broker" in r["message"].lower()
    ]
    # Three messages during the outage, one line (with its cause), then one when it is back.
    assert [r["level"] for r in outage if "unreachable" in r["message"]] == ["ERROR"], outage
    assert re.search(r"unreachable \(.+\)", outage[0]["message"]), outage[0]  # names its cause


def test_the_rasa_server_counts_messages_stages_and_handoffs(operated) -> None:
    url = operated.client.url
    before = samples(url)
    sender = f"ops-{uuid.uuid4().hex}"
    operated.client.text(sender, "do you have running shoes under $100?")
    operated.client.text(sender, "I want to talk to a human")
    after = samples(url)

    def grew(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    assert grew("shopdesk_messages_total", channel="rest") == 2
    assert grew("shopdesk_message_seconds_count") == 2
    for stage in ("nlu", "policies", "action"):
        assert grew("shopdesk_stage_seconds_count", stage=stage) >= 2, stage
    assert grew("shopdesk_handoffs_total") == 1
    assert grew("shopdesk_errors_total", cause="action_server") == 0


def test_the_action_server_times_actions_and_searches(operated) -> None:
    before = samples(operated.action_url)
    operated.client.text(f"ops-{uuid.uuid4().hex}", "do you have running shoes under $100?")
    after = samples(operated.action_url)
    searches = ("shopdesk_stage_seconds_count", (("stage", "search"),))
    assert after.get(searches, 0) > before.get(searches, 0)
    action_counts = {
        labels: value
        for (name, labels), value in after.items()
        if name == "shopdesk_action_seconds_count"
    }
    assert any(value > 0 for value in action_counts.values()), action_counts


def test_start_up_objects_are_frozen_and_a_replaced_model_released(operated) -> None:
    """Both servers keep their loaded models out of full garbage collections; replacing the
    model (as the console does) frees the old one and freezes the new one."""

    def freezes(log: Path) -> list[dict]:
        return [r for r in json_records(log) if r["logger"] == "shopdesk.memory"]

    assert len(freezes(operated.log)) == 1
    assert len(freezes(operated.log.with_name("action-server.log"))) == 1
    model = latest_model(operated.client.settings.rasa_model_dir)
    request = urllib.request.Request(
        f"{operated.client.url}/model?token={operated.client.token}",
        data=json.dumps({"model_file": str(model)}).encode(),
        headers={"Content-Type": "application/json"},
        method="PUT",
    )
    with urllib.request.urlopen(request, timeout=300) as reply:
        assert reply.status == 204
    assert len(freezes(operated.log)) == 2
    assert "frozen" in freezes(operated.log)[-1]["message"]
    assert operated.client.text(f"ops-{uuid.uuid4().hex}", "hi")


@pytest.mark.parametrize("server", ["rasa", "action"])
def test_liveness_and_readiness_answer(operated, server: str) -> None:
    url = operated.client.url if server == "rasa" else operated.action_url
    assert fetch(url + "/healthz" if server == "rasa" else url + "/health")[0] == 200
    status, body = fetch(url + "/readyz")
    assert (status, json.loads(body)["status"]) == (200, "ready")


def test_an_action_server_that_died_is_counted_by_cause(operated) -> None:
    """Last in this module: it stops the action server."""
    before = samples(operated.client.url)
    operated.running.action_server.kill()
    operated.running.action_server.wait()
    status, _ = operated.client.post(
        "/webhooks/rest/webhook",
        {"sender": f"ops-{uuid.uuid4().hex}", "message": "do you have running shoes under $100?"},
    )
    assert status == 200
    after = samples(operated.client.url)
    key = ("shopdesk_errors_total", (("cause", "action_server"),))
    assert after.get(key, 0) > before.get(key, 0)
