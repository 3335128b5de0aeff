"""Rule matching with decoded rules gives Rasa's RulePolicy verdicts."""

from __future__ import annotations

import itertools
import json

from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.constants import SHOULD_NOT_BE_SET

from bot.rule_lookup import RASAS_IS_RULE_APPLICABLE, is_rule_applicable

LISTEN = {"prev_action": {"action_name": "action_listen"}}
RULES = [
    [{}, {**LISTEN, "user": {"intent": "greet"}}],
    [{**LISTEN, "user": {"intent": "order_status", "entities": ["order_number"]}}],
    [
        {**LISTEN, "user": {"intent": "inform"}, "slots": {"email": SHOULD_NOT_BE_SET}},
        {"prev_action": {"action_name": "verification_form"}, "active_loop": {"name": "x"}},
    ],
    [{"prev_action": {"action_name": "action_search_products"}, "slots": {"shown": (1.0,)}}],
]
CONVERSATION_STATES = [
    {},
    {**LISTEN, "user": {"intent": "greet"}},
    {**LISTEN, "user": {"intent": "order_status", "entities": ("order_number",)}},
    {**LISTEN, "user": {"intent": "order_status", "entities": ("email",)}},
    {**LISTEN, "user": {"intent": "inform"}, "slots": {"email": (1.0,)}},
    {**LISTEN, "user": {"intent": "inform"}, "slots": {"email": SHOULD_NOT_BE_SET}},
    {**LISTEN, "user": {"intent": "inform"}},
    {"prev_action": {"action_name": "verification_form"}, "active_loop": {"name": "x"}},
    {"prev_action": {"action_name": "action_search_products"}, "slots": {"shown": (1.0,)}},
    {"prev_action": {"action_name": "action_search_products"}},
]


def test_same_verdicts_as_rasa_for_every_rule_turn_and_state() -> None:
    policy = object.__new__(RulePolicy)
    verdicts = set()
    for rule, turn, state in itertools.product(RULES, range(3), CONVERSATION_STATES):
        key = json.dumps(rule)
        rasas = RASAS_IS_RULE_APPLICABLE(policy, key, turn, state)
        assert is_rule_applicable(policy, key, turn, state) == rasas, (rule, turn, state)
        verdicts.add(rasas)
    assert verdicts == {True, False}
