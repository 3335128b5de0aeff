"""The Rasa entry point's cached action-response validation gives Rasa's verdicts."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot.rasa_main import validate_action_result

VALID = [
    {"events": [{"event": "slot", "name": "shown_products", "value": [1, 2]}], "responses": [{"text": "hi"}]},
    {"events": [], "responses": []},
    {"events": [{"event": "action_execution_rejected", "name": "x"}], "responses": []},
]
INVALID = [
    {"events": [{"event": "no_such_event"}], "responses": []},
    {"events": [{"name": "missing the event key"}], "responses": []},
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
