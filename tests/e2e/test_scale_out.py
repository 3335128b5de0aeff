"""Three Rasa replicas sharing PostgreSQL and a Redis lock store lose, repeat and reorder nothing.

Three Rasa server processes on separate ports share one action server, a throwaway PostgreSQL
conversation database and the Redis lock store (bot/lock_store.py). Conversations run at once,
two messages in flight at a time, each message to a random replica; afterwards every stored
conversation is read from the database and checked (``shopdesk.bench.scale_out.check``, the
benchmark's check: ``shopdesk bench scale-out`` is the long run). Needs PostgreSQL on
127.0.0.1:5432 and Redis on 127.0.0.1:6379 (``make test`` starts both).
"""

from __future__ import annotations

import dataclasses
import os
import signal
from functools import partial

import pytest

from shopdesk.bench.scale_out import Verdict, measure, start_replicas
from shopdesk.serve import stop_processes
from shopdesk.training import latest_model
from tests.helpers.services import require_redis

REPLICAS = 3
CONVERSATIONS = 16
MESSAGES = 6
LOCK_STORE = "redis://127.0.0.1:6379/5"


@dataclasses.dataclass
class Replicas:
    clients: list  # a BotClient (tests/e2e/conftest.py) per replica
    processes: list
    conversations_url: str

    @property
    def urls(self) -> list[str]:
        return [client.url for client in self.clients]


@pytest.fixture(scope="module")
def replicas(bot, free_port, module_postgres_url):
    require_redis("the scale-out tests")
    settings = dataclasses.replace(
        bot.settings,  # its action server is the replicas' one
        tracker_store_url=module_postgres_url,
        lock_store_url=LOCK_STORE,
        rasa_workers=1,
        rate_limit_ip=0,
        rate_limit_sender=0,
    )
    ports = [free_port() for _ in range(REPLICAS)]
    processes = start_replicas(
        settings,
        latest_model(settings.rasa_model_dir),
        ports,
        settings.data_dir / "logs-scale-out",
    )
    clients = [type(bot)(f"http://127.0.0.1:{p}", bot.token, settings) for p in ports]
    try:
        yield Replicas(clients, processes, module_postgres_url)
    finally:
        stop_processes(*processes)


def flawless(conversations: int, messages: int) -> Verdict:
    """Every message stored once, in order, answered once; no apology."""
    total = conversations * messages
    return Verdict(conversations, total, total, 0, 0, 0, 0, 0, 0, 0)


def test_messages_spread_at_random_over_replicas_are_stored_once_in_order_and_answered(
    replicas,
) -> None:
    result = measure(replicas.urls, replicas.conversations_url, CONVERSATIONS, MESSAGES)
    assert result.verdict == flawless(CONVERSATIONS, MESSAGES)


def test_a_message_sent_again_to_another_replica_gets_the_same_answer_and_is_stored_once(
    replicas,
) -> None:
    first_replica, second_replica, third_replica = replicas.clients
    body = {"sender": "scale-retry", "message": "what is your return policy?", "message_id": "r1"}
    status, first = first_replica.post("/webhooks/rest/webhook", body)
    assert status == 200 and first
    status, again = second_replica.post("/webhooks/rest/webhook", body)
    assert status == 200 and [r.get("text") for r in again] == [r.get("text") for r in first]
    status, following = third_replica.post(
        "/webhooks/rest/webhook", {**body, "message": "thanks!", "message_id": "r2"}
    )
    assert status == 200 and following and following != first
    status, tracker = third_replica.get(
        f"/conversations/scale-retry/tracker?token={third_replica.token}"
    )
    assert status == 200
    assert [e["message_id"] for e in tracker["events"] if e["event"] == "user"] == ["r1", "r2"]


def test_a_replica_killed_mid_run_loses_nothing_and_each_retry_is_answered_once(
    replicas,
) -> None:
    """SIGKILL one replica a third of the way; the client sends what got no answer again."""
    victim = replicas.processes[0]
    result = measure(
        replicas.urls,
        replicas.conversations_url,
        CONVERSATIONS,
        MESSAGES,
        kill=partial(os.kill, victim.pid, signal.SIGKILL),
    )
    assert victim.wait(timeout=10) == -signal.SIGKILL
    assert result.retried > 0  # messages in flight on (or later sent to) the killed replica
    assert result.verdict == flawless(CONVERSATIONS, MESSAGES)
