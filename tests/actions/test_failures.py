"""An action whose shop database is down answers with the apology, logged once per outage.

The database is a real PostgreSQL URL on a port nothing listens on, so the failure is the
driver's own "connection refused", as when the server is down.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import socket

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import base
from actions.handoff import ActionHandoff
from actions.product_question import ActionAnswerProductQuestion
from actions.support import ValidateVerificationForm
from storage.db import create_engine_for, session_factory
from storage.outages import APOLOGY, TALK_TO_A_PERSON
from tests.helpers.trackers import entity, tracker_for


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def database_down(services):
    """The shop's services with the database unreachable."""
    engine = create_engine_for(f"postgresql://postgres@127.0.0.1:{closed_port()}/shop")
    yield dataclasses.replace(services, sessions=session_factory(engine))
    engine.dispose()


@pytest.fixture(autouse=True)
def fresh_outage_state():
    for outage in (base.SHOP_DATABASE, base.OTHER_SERVICES):
        outage.since, outage.failures = None, 0


def run(action, tracker, domain=None):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, domain or {}))
    return dispatcher.messages, events


def test_a_handoff_with_the_database_down_gets_the_apology_and_the_person_button(database_down):
    messages, events = run(
        ActionHandoff(database_down), tracker_for("I want a human", "human_handoff")
    )

    assert [m["text"] for m in messages] == [APOLOGY]
    assert messages[0]["buttons"] == [TALK_TO_A_PERSON]
    assert events == []


def test_a_form_validation_is_guarded_too(database_down):
    tracker = tracker_for(
        "alex@example.com",
        "inform",
        [entity("email", "alex@example.com", "alex@example.com")],
        slots={"requested_slot": "contact", "order_number": "10002"},
    )
    tracker.active_loop = {"name": "verification_form"}
    domain = {
        "forms": {"verification_form": {"required_slots": ["order_number", "contact"]}},
        "slots": {"order_number": {}, "contact": {}},
    }

    messages, events = run(ValidateVerificationForm(database_down), tracker, domain)

    assert APOLOGY in [m["text"] for m in messages]
    # The form keeps waiting for the same answer (Rasa would reject a form that set no slot
    # and drop the apology with it).
    assert [(e["event"], e["name"], e["value"]) for e in events] == [("slot", "contact", None)]


def test_the_outage_is_logged_once_with_its_cause_and_its_end(database_down, services, caplog):
    tracker = tracker_for("what sizes does it come in?", "product_question", slots={})
    tracker.slots["focused_product"] = 1.0
    caplog.set_level(logging.DEBUG, logger="actions.base")

    for _ in range(3):
        messages, _ = run(ActionAnswerProductQuestion(database_down), tracker)
        assert [m["text"] for m in messages] == [APOLOGY]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert "shop database is unavailable" in errors[0].getMessage()
    assert "Connection refused" in errors[0].getMessage()
    assert errors[0].exc_info is None  # a cause, not a stack trace

    messages, _ = run(ActionAnswerProductQuestion(services), tracker)

    assert messages and messages[0]["text"] != APOLOGY
    back = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("is back" in line and "3 request(s)" in line for line in back)


def test_every_shop_action_is_guarded():
    import actions.conversation
    import actions.product_search
    import actions.recommend
    import actions.support  # noqa: F401  (registers the remaining actions)

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    unguarded = [
        cls.__name__
        for cls in subclasses(base.UsesShopServices)
        if not getattr(cls.run, "answers_failures", False)
    ]
    assert not unguarded
