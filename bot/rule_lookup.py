"""Rasa's RulePolicy rule matching with each rule decoded once instead of on every check.

For every prediction Rasa 3.6's ``RulePolicy._get_possible_keys`` tests each of the bot's
rules against each turn of the conversation. Each test decodes the rule (a cached JSON parse),
reverses its list of states and turns every list in it into a tuple again before comparing:
about a tenth of the shop bot's Rasa server CPU per message under the throughput benchmark
(docs/benchmarks.md). :func:`is_rule_applicable` keeps each rule's reversed, converted states
and makes the same comparisons, so the same rules apply.

``RulePolicy._get_possible_keys`` then filters all rules against the newest turn, and the
survivors against every earlier turn of the conversation. :func:`get_possible_keys` makes the
same checks on fewer rules: at the newest turn only the rules whose newest state names the
conversation's previous action (or, without one, names none) can apply, so only those are
checked; and once every surviving rule is shorter than the turns left, each later check would
say yes, so it stops. Same rules found as Rasa's.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.constants import PREVIOUS_ACTION, SHOULD_NOT_BE_SET

State = dict[str, dict[str, Any]]
#: A rule state's previous action, hashable (``None``: none).
_Previous = frozenset[tuple[str, Any]] | None

#: Rasa's own methods (tests compare against them).
RASAS_IS_RULE_APPLICABLE = RulePolicy._is_rule_applicable
RASAS_GET_POSSIBLE_KEYS = RulePolicy._get_possible_keys


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


def _frozen(sub_state: dict[str, Any] | None) -> _Previous:
    return frozenset(sub_state.items()) if sub_state else None


@dataclass(frozen=True)
class _Index:
    """A lookup's rules: their lengths, and grouped by the previous action of their last state."""

    keys: frozenset[str]
    lengths: dict[str, int]
    #: previous action of the rule's newest state (``None``: none) -> its rules
    by_previous_action: dict[_Previous, frozenset[str]]


#: id(lookup) -> (the lookup, its index); a RulePolicy's lookups do not change after training.
_INDEXES: dict[int, tuple[dict[str, Any], _Index]] = {}


def _index(lookup: dict[str, Any]) -> _Index:
    kept = _INDEXES.get(id(lookup))
    if kept is not None and kept[0] is lookup and kept[1].keys == lookup.keys():
        return kept[1]
    groups: dict[_Previous, set[str]] = {}
    for key in lookup:
        states = _reversed_rule_states(key)
        if states:
            groups.setdefault(_frozen(states[0].get(PREVIOUS_ACTION)), set()).add(key)
    index = _Index(
        frozenset(lookup),
        {key: len(_reversed_rule_states(key)) for key in lookup},
        {previous: frozenset(keys) for previous, keys in groups.items()},
    )
    _INDEXES[id(lookup)] = (lookup, index)
    return index


def _candidates(index: _Index, state: State) -> set[str]:
    """Rules that may apply at the newest turn: the others fail on the previous action."""
    current_previous_action = state.get(PREVIOUS_ACTION)
    candidates = {key for key, length in index.lengths.items() if length == 0}
    for previous, keys in index.by_previous_action.items():
        if previous is None:
            # A rule without a previous action applies only to a state without one.
            if not current_previous_action:
                candidates.update(keys)
        elif current_previous_action and _matches(
            {PREVIOUS_ACTION: dict(previous)}, {PREVIOUS_ACTION: current_previous_action}
        ):
            candidates.update(keys)
    return candidates


def get_possible_keys(self: RulePolicy, lookup: dict[str, Any], states: list[State]) -> set[str]:
    """``RulePolicy._get_possible_keys`` checking fewer rules (same keys as Rasa's)."""
    index = _index(lookup)
    possible = set(lookup)
    for turn_index, state in enumerate(reversed(states)):
        if not possible:
            break
        if all(index.lengths[key] <= turn_index for key in possible):
            # Rasa's check says yes to a rule whose states are all behind this turn.
            break
        if turn_index == 0:
            possible = _candidates(index, state)
        possible = {key for key in possible if self._is_rule_applicable(key, turn_index, state)}
    return possible


def install() -> None:
    """Use :func:`is_rule_applicable` and :func:`get_possible_keys` in Rasa's RulePolicy."""
    RulePolicy._is_rule_applicable = is_rule_applicable  # type: ignore[method-assign]
    RulePolicy._get_possible_keys = get_possible_keys  # type: ignore[method-assign]
