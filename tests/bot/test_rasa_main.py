"""The Rasa entry point's cached action-response validation gives Rasa's verdicts."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot.rasa_main import validate_action_result

VALID = [
    {
        "events": [{"event": "slot", "name": "shown_products", "value": [1, 2]}],
        "responses": [{"text": "hi"}],
    },
    {"events": [], "responses": []},
    {"events": [{"event": "action_execution_rejected", "name": "x"}], "responses": []},
    {
        "events": [
            {"event": "bot", "text": "hi", "data": {"custom": {"products": [{"id": 1}]}}},
            {
                "event": "user",
                "text": "where is 10002?",
                "parse_data": {
                    "intent": {"name": "order_status", "confidence": 0.9},
                    "entities": [{"entity": "order_number", "value": "10002", "start": 12}],
                },
            },
            {"event": "action", "name": "action_listen", "policy": None},
            {"event": "active_loop", "name": None, "timestamp": 1.5},
        ],
        "responses": [{"custom": {"type": "product_list"}}],
    },
]
INVALID = [
    {"events": [{"event": "no_such_event"}], "responses": []},
    {"events": [{"name": "missing the event key"}], "responses": []},
    # Each fails only inside the branch its event name selects, or around it.
    {"events": [{"event": "slot", "name": "email"}], "responses": []},
    {"events": [{"event": "user", "parse_data": {"intent": {"name": 3}}}], "responses": []},
    {"events": [{"event": "entities", "entities": [{"entity": "x"}]}], "responses": []},
    {"events": [{"event": "bot", "timestamp": "yesterday"}], "responses": []},
    {"events": [{"event": ["slot"]}], "responses": []},
    {"events": ["slot"], "responses": []},
    {"events": [{"event": "action"}], "responses": ["text"]},
    {"events": None, "responses": []},
]


def rasa_original(result: dict) -> bool:
    action = RemoteAction("action_x", None)
    return RemoteAction.__dict__["_validate_action_result"](action, result)


@pytest.mark.parametrize("result", VALID)
def test_valid_responses_pass_as_in_rasa(result: dict) -> None:
    assert validate_action_result(None, result) is True
    assert rasa_original(result) is True


@pytest.mark.parametrize("result", INVALID)
def test_invalid_responses_fail_with_rasas_error(result: dict) -> None:
    with pytest.raises(ValidationError) as ours:
        validate_action_result(None, result)
    with pytest.raises(ValidationError) as rasas:
        rasa_original(result)
    assert ours.value.message == rasas.value.message
    assert "Failed to validate Action server response" in ours.value.message


def test_event_types_resolve_to_rasas_classes_and_unknown_names_fail_the_same() -> None:
    from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered

    from bot.rasa_main import resolve_event_type

    for name, cls in [("slot", SlotSet), ("user", UserUttered), ("action", ActionExecuted)]:
        assert resolve_event_type(name) is cls is Event.resolve_by_type(name)
        assert resolve_event_type(name) is cls  # remembered
    assert resolve_event_type("topic") is None
    assert resolve_event_type("no_such_event", default=SlotSet) is SlotSet
    with pytest.raises(ValueError, match="Unknown event name 'no_such_event'"):
        resolve_event_type("no_such_event")
