"""The Rasa server's answers to failing components, against real connections (no mocks).

An action endpoint on a closed port (connection refused), a small HTTP server answering 500,
a Redis lock store on a closed port, an agent without a model: each gets the apology with the
"Talk to a person" button, and the outage is logged once. The full servers are faulted in
tests/e2e/test_faults.py.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading

import pytest
from aiohttp import web
from rasa.core.actions.action import RemoteAction
from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.lock_store import RedisLockStore
from rasa.shared.core.constants import REQUESTED_SLOT
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
from rasa.shared.core.slots import TextSlot
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot import faults
from storage.outages import APOLOGY, TALK_TO_A_PERSON


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(autouse=True)
def rasa_methods(monkeypatch):
    """Rasa's own methods behind the wrappers, without patching Rasa's classes for others."""
    monkeypatch.setitem(faults._wrapped, "run", faults._wrapped.get("run", RemoteAction.run))
    monkeypatch.setitem(
        faults._wrapped, "handle", faults._wrapped.get("handle", Agent.handle_message)
    )
    for outage in (faults.ACTION_SERVER, faults.LOCK_STORE, faults.MODEL, faults.OTHER):
        outage.since, outage.failures = None, 0
    faults.quiet_rasa_connection_errors()


def tracker() -> DialogueStateTracker:
    return DialogueStateTracker.from_events("shopper", [UserUttered("alex@example.com")])


def run_action(url: str, state: DialogueStateTracker | None = None):
    action = RemoteAction("validate_verification_form", EndpointConfig(url))
    collector = CollectingOutputChannel()
    return asyncio.run(
        faults.run_remote_action(action, collector, None, state or tracker(), Domain.empty())
    )


def apology_of(events) -> bool:
    return [(e.text, e.data.get("buttons")) for e in events if isinstance(e, BotUttered)] == [
        (APOLOGY, [TALK_TO_A_PERSON])
    ]


def test_an_unreachable_action_server_gets_the_apology_logged_once(caplog):
    url = f"http://127.0.0.1:{closed_port()}/webhook"

    first, second = run_action(url), run_action(url)

    assert apology_of(first) and apology_of(second)
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    ours = [line for line in errors if "The action server is unavailable" in line]
    assert len(ours) == 1 and "connect" in ours[0].lower()
    assert not any("Failed to run custom action" in line for line in errors)  # Rasa's, dropped


def test_the_apology_is_said_once_per_turn():
    url = f"http://127.0.0.1:{closed_port()}/webhook"
    state = tracker()
    state.update(BotUttered(APOLOGY))

    assert run_action(url, state) == []


def serve(handler) -> tuple[str, object]:
    """An aiohttp server on loopback answering ``handler``; returns its URL and a stopper."""
    loop = asyncio.new_event_loop()
    app = web.Application()
    app.router.add_post("/webhook", handler)
    runner = web.AppRunner(app)
    loop.run_until_complete(runner.setup())
    port = closed_port()
    loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    def stop() -> None:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)

    return f"http://127.0.0.1:{port}/webhook", stop


def test_an_action_that_fails_on_the_action_server_gets_the_apology(caplog):
    async def failing(_: web.Request) -> web.Response:
        return web.json_response({"error": "The action server failed: KeyError"}, status=500)

    url, stop = serve(failing)
    try:
        events = run_action(url)
    finally:
        stop()

    assert apology_of(events)
    assert any("failed on the action server (HTTP 500)" in r.getMessage() for r in caplog.records)
    assert not faults.ACTION_SERVER.down  # the server answers: it is a bug, not an outage


def test_the_action_server_coming_back_is_logged(caplog):
    async def fine(_: web.Request) -> web.Response:
        return web.json_response({"events": [], "responses": []})

    assert apology_of(run_action(f"http://127.0.0.1:{closed_port()}/webhook"))
    url, stop = serve(fine)
    try:
        assert run_action(url) == []
    finally:
        stop()
    assert any("The action server is back" in r.getMessage() for r in caplog.records)


def handle(agent: Agent) -> list[dict]:
    collector = CollectingOutputChannel()
    asyncio.run(faults.handle_message(agent, UserMessage("hi", collector, "shopper")))
    return collector.messages


def test_a_lock_store_that_is_down_gets_the_apology(caplog):
    agent = Agent(lock_store=RedisLockStore(port=closed_port(), socket_timeout=1))
    agent.processor = object()  # ready as far as Agent.handle_message checks

    replies = handle(agent)

    assert [(m["text"], m["buttons"]) for m in replies] == [(APOLOGY, [TALK_TO_A_PERSON])]
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len([e for e in errors if "The lock store (Redis" in e]) == 1


def test_a_server_without_a_model_answers_with_the_apology():
    replies = handle(Agent())

    assert [m["text"] for m in replies] == [APOLOGY]


def test_a_failed_form_validation_keeps_the_form_waiting_for_the_same_answer():
    """Without a slot set, Rasa's form would reject itself and drop the apology with it."""
    url = f"http://127.0.0.1:{closed_port()}/webhook"
    in_form = DialogueStateTracker.from_events(
        "shopper",
        [
            SlotSet("order_number", "10002"),
            SlotSet(REQUESTED_SLOT, "contact"),
            UserUttered("alex@example.com"),
        ],
        slots=[TextSlot("order_number", []), TextSlot("contact", []), TextSlot(REQUESTED_SLOT, [])],
    )

    events = run_action(url, in_form)

    assert apology_of(events)
    assert [e for e in events if isinstance(e, SlotSet)] == [SlotSet("contact", None)]
