"""Rule matching with decoded rules gives Rasa's RulePolicy verdicts."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from rasa.core.policies.rule_policy import RulePolicy
from rasa.core.training import load_data
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import SHOULD_NOT_BE_SET
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rule_lookup import (
    RASAS_GET_POSSIBLE_KEYS,
    RASAS_IS_RULE_APPLICABLE,
    get_possible_keys,
    is_rule_applicable,
)

BOT_DIR = Path(__file__).resolve().parents[2] / "bot"
UNHAPPY_PATH = "rules_for_loop_unhappy_path"

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


def test_same_possible_keys_as_rasa_for_made_up_rules() -> None:
    policy = object.__new__(RulePolicy)
    lookup = {json.dumps(rule): "some_action" for rule in [*RULES, []]}
    found = []
    for length in range(4):
        for states in itertools.product(CONVERSATION_STATES, repeat=length):
            rasas = RASAS_GET_POSSIBLE_KEYS(policy, lookup, list(states))
            assert get_possible_keys(policy, lookup, list(states)) == rasas, states
            found.append(len(rasas))
    assert min(found) == 1 and max(found) > 2


def test_same_possible_keys_as_rasa_for_the_shop_bots_rules(tmp_path: Path) -> None:
    domain = Domain.load(str(BOT_DIR / "domain"))
    trackers = load_data(
        str(BOT_DIR / "data"), domain, augmentation_factor=0, use_story_concatenation=False
    )
    policy = RulePolicy.create(
        {**RulePolicy.get_default_config(), "core_fallback_threshold": 0.3},
        LocalModelStorage(tmp_path),
        Resource("rules"),
        ExecutionContext(GraphSchema({}), "test"),
    )
    policy.train(trackers, domain)
    checked = 0
    for training_tracker in trackers:
        # the conversation before each of its actions, as the policy sees it then
        tracker = DialogueStateTracker("someone", domain.slots)
        for event in training_tracker.events:
            if isinstance(event, ActionExecuted):
                for use_text in (False, True):
                    states = policy._prediction_states(tracker, domain, use_text)
                    for lookup in (policy.lookup["rules"], policy.lookup[UNHAPPY_PATH]):
                        rasas = RASAS_GET_POSSIBLE_KEYS(policy, lookup, states)
                        assert get_possible_keys(policy, lookup, states) == rasas
                        checked += bool(rasas)
            tracker.update(event)
    assert checked > 100
