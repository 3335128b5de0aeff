"""The offer of a person to a frustrated shopper, and carrying on after a "no"."""

from __future__ import annotations

import asyncio

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.frustration import ActionOfferDeclined, ActionOfferPerson

QUESTION = {
    "event": "user",
    "text": "where is my refund?? I have asked three times already!!!",
    "parse_data": {"intent": {"name": "refund_status", "confidence": 0.9}},
    "input_channel": "rest",
}


def tracker(events: list[dict], slots: dict | None = None) -> Tracker:
    latest = events[-1] if events and events[-1]["event"] == "user" else {}
    return Tracker("shopper", slots or {}, latest, events, False, None, {}, "action_listen")


def run(action, state: Tracker) -> tuple[list[dict], list[dict]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, state, {}))
    return dispatcher.messages, events


def test_the_offer_apologises_asks_yes_or_no_and_is_remembered(services) -> None:
    messages, events = run(ActionOfferPerson(services), tracker([QUESTION]))
    assert "sorry" in messages[0]["text"].lower()
    assert [b["title"] for b in messages[0]["buttons"]] == ["Yes", "No"]
    assert {"event": "slot", "name": "frustration_offered", "value": True} in [
        {k: e.get(k) for k in ("event", "name", "value")} for e in events
    ]


def test_no_replays_the_question_before_the_offer(services) -> None:
    events = [
        {"event": "action", "name": "action_listen"},
        QUESTION,
        {"event": "action", "name": "action_offer_person"},
        {"event": "bot", "text": "I'm sorry ..."},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "no", "parse_data": {"intent": {"name": "deny"}}},
    ]
    messages, replay = run(
        ActionOfferDeclined(services), tracker(events, {"pending_confirmation": "handoff"})
    )
    assert messages[0]["text"] == "All right, let's carry on."
    kinds = [event["event"] for event in replay]
    assert kinds == ["slot", "rewind", "action", "user"]
    assert replay[-1]["text"] == QUESTION["text"]
    assert replay[-1]["parse_data"] == QUESTION["parse_data"]


def test_no_without_an_offer_just_asks_what_next(services) -> None:
    events = [{"event": "user", "text": "no", "parse_data": {"intent": {"name": "deny"}}}]
    messages, replay = run(ActionOfferDeclined(services), tracker(events))
    assert "What can I do for you?" in messages[0]["text"]
    assert [event["event"] for event in replay] == ["slot"]
