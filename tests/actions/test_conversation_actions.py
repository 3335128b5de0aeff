"""Clarifying a low-confidence message, answering policy questions, stopping a flow."""

import asyncio

from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import ActionClarify, ActionStopFlow
from actions.support import ActionAnswerPolicy
from tests.helpers.trackers import tracker_for


def run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher.messages, events


def test_low_confidence_offers_the_two_likeliest_meanings_in_plain_words(services):
    tracker = tracker_for("my thing from last week", "nlu_fallback")
    tracker.latest_message["intent_ranking"] = [
        {"name": "nlu_fallback", "confidence": 1.0},
        {"name": "order_status", "confidence": 0.41},
        {"name": "return_item", "confidence": 0.33},
        {"name": "refund_status", "confidence": 0.1},
    ]
    messages, events = run(ActionClarify(services), tracker)
    titles = [b["title"] for b in messages[0]["buttons"]]
    assert titles == ["Where is my order?", "Return an item", "Talk to a person"]
    assert [b["payload"] for b in messages[0]["buttons"][:2]] == ["/order_status", "/return_item"]
    assert events == []


def test_policy_question_is_answered_from_the_knowledge_base(services):
    messages, _ = run(
        ActionAnswerPolicy(services), tracker_for("can I pay with paypal?", "payment_methods")
    )
    assert "PayPal" in messages[0]["text"]


def test_a_question_the_knowledge_base_cannot_answer_offers_a_person(services):
    messages, events = run(
        ActionAnswerPolicy(services),
        tracker_for("who won the football game last night?", "shipping_info"),
    )
    assert "rather not guess" in messages[0]["text"]
    assert {
        "event": "slot",
        "timestamp": None,
        "name": "pending_confirmation",
        "value": "handoff",
    } in events


def test_stopping_a_flow_leaves_the_form_and_forgets_its_data(services):
    messages, events = run(ActionStopFlow(services), tracker_for("never mind", "stop"))
    assert messages[0]["response"] == "utter_flow_stopped"
    assert {"event": "active_loop", "timestamp": None, "name": None} in events
    cleared = {e["name"] for e in events if e.get("event") == "slot" and e["value"] is None}
    assert {"requested_flow", "contact", "return_reason", "pending_confirmation"} <= cleared
