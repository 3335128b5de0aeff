"""Rasa's RulePolicy rule matching with each rule decoded once instead of on every check.

For every prediction Rasa 3.6's ``RulePolicy._get_possible_keys`` tests each of the bot's
rules against each turn of the conversation. Each test decodes the rule (a cached JSON parse),
reverses its list of states and turns every list in it into a tuple again before comparing:
about a tenth of the shop bot's Rasa server CPU per message under the throughput benchmark
(docs/benchmarks.md). :func:`is_rule_applicable` keeps each rule's reversed, converted states
and makes the same comparisons, so the same rules apply.
"""

from __future__ import annotations

import functools
from typing import Any

from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.constants import PREVIOUS_ACTION, SHOULD_NOT_BE_SET

State = dict[str, dict[str, Any]]

#: Rasa's own method (tests compare against it).
RASAS_IS_RULE_APPLICABLE = RulePolicy._is_rule_applicable


@functools.lru_cache(maxsize=4096)
def _reversed_rule_states(rule_key: str) -> tuple[State, ...]:
    """The rule's states, newest first, with lists as tuples (as Rasa compares them)."""
    return tuple(
        {
            state_type: {
                key: tuple(value) if isinstance(value, list) else value
                for key, value in sub_state.items()
            }
            for state_type, sub_state in state.items()
        }
        for state in reversed(RulePolicy._rule_key_to_state(rule_key))
    )


def _matches(rule_state: State, conversation_state: State) -> bool:
    """``RulePolicy._does_rule_match_state`` for a state from :func:`_reversed_rule_states`."""
    for state_type, rule_sub_state in rule_state.items():
        conversation_sub_state = conversation_state.get(state_type, {})
        for key, value_from_rules in rule_sub_state.items():
            value_from_conversation = conversation_sub_state.get(key)
            if value_from_rules == SHOULD_NOT_BE_SET:
                if value_from_conversation and value_from_conversation != SHOULD_NOT_BE_SET:
                    return False
            elif value_from_rules and value_from_conversation != value_from_rules:
                return False
    return True


def is_rule_applicable(
    self: RulePolicy, rule_key: str, turn_index: int, conversation_state: State
) -> bool:
    """``RulePolicy._is_rule_applicable`` with the rule decoded once (same verdicts)."""
    rule_states = _reversed_rule_states(rule_key)
    if turn_index >= len(rule_states):
        return True
    current_previous_action = conversation_state.get(PREVIOUS_ACTION)
    rule_previous_action = rule_states[turn_index].get(PREVIOUS_ACTION)
    if not rule_previous_action and not current_previous_action:
        return True
    if not rule_previous_action or not current_previous_action:
        return False
    return _matches(rule_states[turn_index], conversation_state)


def install() -> None:
    """Use :func:`is_rule_applicable` in Rasa's RulePolicy."""
    RulePolicy._is_rule_applicable = is_rule_applicable  # type: ignore[method-assign]
