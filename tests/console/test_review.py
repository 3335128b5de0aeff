"""Fix the bot: the misunderstood-message queue and labels written as Rasa training data."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from rasa.shared.nlu.training_data.loading import load_data
from sqlalchemy import select

from storage.schema import ConversationMessage
from tests.helpers.conversation_log import Conversation

DAY = datetime(2026, 11, 2, 9, 0)


@pytest.fixture
def queued(conversation_log, console_app) -> dict[str, int]:
    """Shopper messages the bot did not understand; returns text -> event id."""
    talk = (
        Conversation("lost")
        .start(DAY)
        .user(DAY, "my flux capacitor broke", "nlu_fallback", 0.2)
        .user(DAY + timedelta(seconds=1), "the flux capacitor is broken", "nlu_fallback", 0.3)
        .user(DAY + timedelta(seconds=2), "show me red sneakers", "recommend", 0.41)
        .user(DAY + timedelta(seconds=3), "where is my order", "complaint", 0.45)
        .user(DAY + timedelta(seconds=4), "hello there", "greet", 0.99)
    )
    conversation_log.save(talk)
    console_app.state.console.index_now()
    with console_app.state.console.sessions() as session:
        rows = session.execute(select(ConversationMessage.text, ConversationMessage.event_id))
        return dict(rows.all())


def test_queue_groups_similar_messages(client, queued) -> None:
    page = client("annotator").http.get("/review").text
    assert "hello there" not in page  # understood well
    flux = page.split("my flux capacitor broke")[0].rsplit("<section", 1)[1]
    assert "(1 similar)" not in flux
    assert "(2 similar)" in page


def test_a_label_becomes_a_training_example(client, queued, settings) -> None:
    annotator = client("annotator")
    reply = annotator.post(
        "/review/label",
        {
            "event_id": queued["show me red sneakers"],
            "intent": "product_search",
            "entities": "color=red",
        },
        "/review",
    )
    assert reply.status_code == 303
    data = load_data(str(settings.reviewed_examples))
    [example] = data.intent_examples
    assert example.get("intent") == "product_search"
    assert example.get("text") == "show me red sneakers"
    assert [(e["entity"], e["value"]) for e in example.get("entities")] == [("color", "red")]
    assert example.get("metadata") == {"intent": {"reviewed": True}}  # never held out
    assert "show me red sneakers" not in annotator.http.get("/review").text


@pytest.mark.parametrize(
    "text, form, reason",
    [
        ("where is my order", {"intent": "order_status"}, "already an example of order_status"),
        ("where is my order", {"intent": "greet"}, "would contradict it"),
        ("show me red sneakers", {"intent": "teleport"}, "Unknown intent"),
        (
            "show me red sneakers",
            {"intent": "product_search", "entities": "color=blue"},
            "does not occur",
        ),
        ("show me red sneakers", {"new_intent": "Bad Name!"}, "lower-case letters"),
    ],
)
def test_bad_labels_are_refused_and_nothing_is_written(
    client, queued, settings, text, form, reason
) -> None:
    reply = client("annotator").post("/review/label", {"event_id": queued[text], **form}, "/review")
    assert reply.status_code == 400
    assert reason in reply.text
    assert not settings.reviewed_examples.exists()


def test_only_annotators_and_admins_label(client, queued) -> None:
    agent = client("agent")
    assert agent.http.get("/review").status_code == 403
    reply = agent.post(
        "/review/label", {"event_id": queued["show me red sneakers"], "intent": "greet"}
    )
    assert reply.status_code == 403
    missing = client("admin").post(
        "/review/label", {"event_id": 999999, "intent": "greet"}, "/review"
    )
    assert missing.status_code == 404


def test_malformed_label_forms_get_a_clear_400(client, queued, settings) -> None:
    annotator = client("annotator")
    for form, field in (
        ({"event_id": "the first one", "intent": "greet"}, "event_id"),
        ({"event_id": queued["show me red sneakers"], "new_intent": "x" * 5000}, "new_intent"),
    ):
        reply = annotator.post("/review/label", form, "/review")
        assert reply.status_code == 400
        assert "Check the input" in reply.text and field in reply.text
    assert not settings.reviewed_examples.exists()
