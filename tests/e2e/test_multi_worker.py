"""Two Rasa server workers sharing a Redis lock store and the conversation database.

Messages of one conversation land on either worker; each keeps recent trackers in memory
(bot/tracker_store.py), so these conversations only work if a worker notices what the other
one wrote. Needs Redis on 127.0.0.1:6379 (``make test`` starts it).
"""

from __future__ import annotations

import dataclasses
import socket

import pytest
from sqlalchemy import select

from shopdesk.handoffs import resume_conversation
from shopdesk.serve import start_bot
from shopdesk.training import latest_model
from storage.schema import HandoffRequest

REDIS = ("127.0.0.1", 6379)


@pytest.fixture(scope="module")
def two_workers(bot, free_port):
    try:
        socket.create_connection(REDIS, timeout=2).close()
    except OSError as exc:
        pytest.fail(
            f"Redis is not running on {REDIS[0]}:{REDIS[1]} (needed for the multi-worker tests): "
            f"{exc}. Start it with: redis-server --daemonize yes",
            pytrace=False,
        )
    settings = dataclasses.replace(
        bot.settings,
        rasa_port=free_port(),
        action_port=free_port(),
        rasa_workers=2,
        lock_store_url="redis://127.0.0.1:6379/3",
    )
    running = start_bot(
        settings, latest_model(settings.rasa_model_dir), log_dir=settings.data_dir / "logs-2w"
    )
    try:
        yield type(bot)(f"http://127.0.0.1:{settings.rasa_port}", running.token, settings)
    finally:
        running.stop()


def test_a_verified_order_conversation_spans_both_workers(two_workers) -> None:
    sender = "w2-status"
    assert "email" in two_workers.text(sender, "where is my order 10002?").lower()
    assert "1Z999AA10123456784" in two_workers.text(sender, "alex@example.com")
    for _ in range(4):
        # Whichever worker takes the message knows the shopper is verified: no second question.
        answer = two_workers.text(sender, "where is my order 10002?")
        assert "1Z999AA10123456784" in answer and "email" not in answer.lower()
        assert two_workers.slots(sender)["verified_customer_id"] is not None


def test_staff_resuming_a_handoff_through_the_api_reaches_every_worker(two_workers) -> None:
    sender = "w2-handoff"
    assert "person" in two_workers.text(sender, "I want to talk to a human")
    for _ in range(4):
        assert two_workers.say(sender, "hello? anyone?") == []
    resume_conversation(two_workers.settings, sender)
    with two_workers.session() as session:
        status = session.execute(
            select(HandoffRequest.status).where(HandoffRequest.sender_id == sender)
        ).scalar_one()
    assert status == "resolved"
    for _ in range(4):
        assert "shop assistant" in two_workers.text(sender, "hi")
