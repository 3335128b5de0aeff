"""Past states from the kept replay are Rasa's ``Domain.states_for_tracker_history``."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from rasa.core.featurizers.tracker_featurizers import MaxHistoryTrackerFeaturizer
from rasa.core.training import load_data
from rasa.shared.core.constants import (
    ACTION_LISTEN_NAME,
    ACTION_UNLIKELY_INTENT_NAME,
    RULE_ONLY_LOOPS,
    RULE_ONLY_SLOTS,
)
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    DefinePrevUserUtteredFeaturization,
    EntitiesAdded,
    Event,
    FollowupAction,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.past_states import (
    _REPLAYS,
    RASAS_PREDICTION_STATES,
    RASAS_STATES_FOR_TRACKER_HISTORY,
    prediction_states,
    states_for_tracker_history,
)

BOT_DIR = Path(__file__).resolve().parents[2] / "bot"
RULE_ONLY = {RULE_ONLY_SLOTS: ["order_number"], RULE_ONLY_LOOPS: ["verification_form"]}
OPTIONS = list(itertools.product([False, True], [None, RULE_ONLY]))


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(BOT_DIR / "domain"))


def assert_same_states(domain: Domain, tracker: DialogueStateTracker) -> None:
    for ignore_rule_only_turns, rule_only_data in OPTIONS:
        rasas = RASAS_STATES_FOR_TRACKER_HISTORY(
            domain, tracker, False, ignore_rule_only_turns, copy.deepcopy(rule_only_data)
        )
        ours = states_for_tracker_history(
            domain, tracker, False, ignore_rule_only_turns, copy.deepcopy(rule_only_data)
        )
        assert ours == rasas, (ignore_rule_only_turns, rule_only_data, list(tracker.events))


def grow(domain: Domain, events: list[Event], check_each: bool = True) -> DialogueStateTracker:
    """A tracker fed ``events`` one by one, its states checked after each (or at the end)."""
    tracker = DialogueStateTracker("someone", domain.slots)
    for event in events:
        tracker.update(event)
        if check_each:
            assert_same_states(domain, tracker)
    assert_same_states(domain, tracker)
    return tracker


def user(intent: str, text: str = "", entities: list[dict] | None = None) -> UserUttered:
    return UserUttered(text or intent, {"name": intent, "confidence": 1.0}, entities=entities or [])


def shop_story_trackers(domain: Domain) -> Iterator[DialogueStateTracker]:
    """A tracker of each of the shop bot's stories and rules, at each action and at its end."""
    trackers = load_data(
        str(BOT_DIR / "data"), domain, augmentation_factor=0, use_story_concatenation=False
    )
    assert len(trackers) > 50
    for training_tracker in trackers:
        tracker = DialogueStateTracker(
            "someone", domain.slots, is_rule_tracker=training_tracker.is_rule_tracker
        )
        for event in training_tracker.events:
            tracker.update(copy.deepcopy(event))
            if isinstance(event, ActionExecuted):
                yield tracker
        yield tracker


def test_same_states_as_rasa_for_the_shop_bots_stories_and_rules(domain: Domain) -> None:
    for tracker in shop_story_trackers(domain):
        assert_same_states(domain, tracker)


def test_same_states_through_undone_turns_restarts_and_loops(domain: Domain) -> None:
    listen = ActionExecuted(ACTION_LISTEN_NAME)
    grow(
        domain,
        [
            listen,
            user("greet"),
            DefinePrevUserUtteredFeaturization(False),
            ActionExecuted("utter_greet"),
            listen,
            user("order_status", entities=[{"entity": "order_number", "value": "12345"}]),
            ActionExecuted("verification_form"),
            ActiveLoop("verification_form"),
            SlotSet("order_number", "12345"),
            SlotSet("requested_slot", "email"),
            listen,
            user("inform"),
            DefinePrevUserUtteredFeaturization(True),
            ActionExecuted("verification_form"),
            listen,
            user("chitchat"),
            UserUtteranceReverted(),
            user("deny"),
            ActionExecuted("utter_greet"),
            ActionReverted(),
            ActionExecuted("verification_form", hide_rule_turn=True),
            FollowupAction("action_listen"),
            ActiveLoop(None),
            SlotSet("requested_slot", None),
            ActionExecuted("action_listen", hide_rule_turn=True),
            user("goodbye"),
            EntitiesAdded([{"entity": "email", "value": "a@b.co"}]),
            ActionExecuted("utter_goodbye"),
            Restarted(),
            ActionExecuted("action_session_start"),
            SessionStarted(),
            listen,
            user("greet"),
        ],
    )


def test_a_loop_run_again_is_rewound_as_rasa_rewinds_it(domain: Domain) -> None:
    listen = ActionExecuted(ACTION_LISTEN_NAME)
    grow(
        domain,
        [
            listen,
            user("return_item"),
            ActionExecuted("return_form"),
            ActiveLoop("return_form"),
            listen,
            user("inform"),
            ActionExecuted("return_form"),
            listen,
            user("inform"),
            ActionExecuted("return_form"),
            ActiveLoop(None),
        ],
    )


def test_events_changed_in_place_after_they_were_replayed(domain: Domain) -> None:
    listen = ActionExecuted(ACTION_LISTEN_NAME)
    message = user("order_status", text="my email is a@b.co")
    slot = SlotSet("order_number", "12345")
    tracker = grow(domain, [listen, message, slot, ActionExecuted("utter_greet"), listen])
    # The conversation store masks personal data in place when it saves.
    message.text = "my email is <EMAIL>"
    slot.value = None
    assert_same_states(domain, tracker)
    message.use_text_for_featurization = False
    assert_same_states(domain, tracker)


def test_the_kept_replay_leaves_with_its_tracker(domain: Domain) -> None:
    tracker = grow(domain, [ActionExecuted(ACTION_LISTEN_NAME), user("greet")])
    assert id(tracker) in _REPLAYS
    key = id(tracker)
    del tracker
    assert key not in _REPLAYS


def test_turns_undone_between_two_predictions_are_not_reused(domain: Domain) -> None:
    listen = ActionExecuted(ACTION_LISTEN_NAME)
    tracker = grow(domain, [listen, user("greet"), ActionExecuted("utter_greet"), listen])
    tracker.update(user("chitchat"))
    assert_same_states(domain, tracker)
    for event in [
        UserUtteranceReverted(),
        user("deny"),
        ActionExecuted("utter_goodbye"),
        listen,
        user("goodbye"),
    ]:
        tracker.update(event)
    assert_same_states(domain, tracker)


def assert_same_prediction_states(
    domain: Domain, tracker: DialogueStateTracker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The max-history featurizer's prediction states, ours and Rasa's, for every option."""
    featurizer = MaxHistoryTrackerFeaturizer(max_history=4)
    for use_text, (ignore_rule_only_turns, rule_only_data), unlikely in itertools.product(
        [False, True], OPTIONS, [False, True]
    ):
        arguments = (use_text, ignore_rule_only_turns, copy.deepcopy(rule_only_data), unlikely)
        monkeypatch.setattr(Domain, "states_for_tracker_history", RASAS_STATES_FOR_TRACKER_HISTORY)
        rasas = RASAS_PREDICTION_STATES(featurizer, [tracker], domain, *arguments)
        monkeypatch.setattr(Domain, "states_for_tracker_history", states_for_tracker_history)
        ours = prediction_states(featurizer, [tracker], domain, *arguments)
        assert ours == rasas, (arguments, list(tracker.events))


def test_max_history_states_are_rasas_for_the_shop_bots_stories_and_rules(
    domain: Domain, monkeypatch: pytest.MonkeyPatch
) -> None:
    for tracker in shop_story_trackers(domain):
        assert_same_prediction_states(domain, tracker, monkeypatch)


def test_max_history_states_of_a_long_conversation_build_only_the_newest(
    domain: Domain, monkeypatch: pytest.MonkeyPatch
) -> None:
    listen = ActionExecuted(ACTION_LISTEN_NAME)
    turn = [listen, user("search_products"), ActionExecuted("action_search_products")]
    tracker = grow(domain, turn * 40 + [listen], check_each=False)
    assert_same_prediction_states(domain, tracker, monkeypatch)

    built: list = []
    clean_state = Domain._clean_state

    def counted(state: dict) -> dict:
        built.append(state)
        return clean_state(state)

    monkeypatch.setattr(Domain, "_clean_state", staticmethod(counted))
    prediction_states(MaxHistoryTrackerFeaturizer(max_history=4), [tracker], domain, False, True)
    assert 4 <= len(built) <= 6  # not the conversation's 81


def test_a_conversation_with_an_unlikely_intent_turn_gets_rasas_states(
    domain: Domain, monkeypatch: pytest.MonkeyPatch
) -> None:
    listen = ActionExecuted(ACTION_LISTEN_NAME)
    tracker = grow(
        domain,
        [listen, user("greet"), ActionExecuted("utter_greet"), listen, user("order_status")]
        + [ActionExecuted(ACTION_UNLIKELY_INTENT_NAME), ActionExecuted("utter_greet"), listen],
        check_each=False,
    )
    assert_same_prediction_states(domain, tracker, monkeypatch)
