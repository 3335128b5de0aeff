"""The frustration policy on real Rasa trackers and the bot's real domain: it stores each
message's score, offers a person once above the threshold, never inside a form."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.frustration_policy import FrustrationPolicy
from shopdesk.settings import BOT_DIR

ANGRY = "this is ridiculous, third time I ask and still no refund!!!"


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(BOT_DIR / "domain"))


def make_policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **env: str) -> FrustrationPolicy:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    config = {**FrustrationPolicy.get_default_config()}
    return FrustrationPolicy.create(
        config,
        LocalModelStorage(tmp_path),
        Resource("frustration"),
        ExecutionContext(GraphSchema({}), "test"),
    )


def tracker(domain: Domain, *messages: tuple[str, str], before: tuple = ()) -> DialogueStateTracker:
    events: list = [ActionExecuted(ACTION_LISTEN_NAME), *before]
    for text, intent in messages:
        events += [
            UserUttered(text, {"name": intent, "confidence": 0.9}),
            ActionExecuted("action_clarify"),
            ActionExecuted(ACTION_LISTEN_NAME),
        ]
    return DialogueStateTracker.from_events("shopper", events[:-2], slots=domain.slots)


def offered(prediction, domain: Domain) -> bool:
    return prediction.probabilities[domain.index_for_action("action_offer_person")] == 1.0


def slots_set(prediction) -> dict:
    return {event.key: event.value for event in prediction.events if isinstance(event, SlotSet)}


def test_an_angry_message_is_scored_and_gets_the_offer(tmp_path, monkeypatch, domain) -> None:
    policy = make_policy(tmp_path, monkeypatch)
    prediction = policy.predict_action_probabilities(
        tracker(domain, (ANGRY, "refund_status")), domain
    )
    assert offered(prediction, domain)
    assert prediction.policy_priority > 4  # above RulePolicy: the offer wins
    slots = slots_set(prediction)
    assert slots["frustration"] >= 0.5 and slots["frustrated"] is True
    assert -1 <= slots["sentiment"] < 0


def test_a_calm_message_is_scored_and_left_to_the_other_policies(
    tmp_path, monkeypatch, domain
) -> None:
    policy = make_policy(tmp_path, monkeypatch)
    prediction = policy.predict_action_probabilities(
        tracker(domain, ("where is my order 10002?", "order_status")), domain
    )
    assert max(prediction.probabilities) == 0.0
    assert slots_set(prediction) == {"frustration": 0.0, "sentiment": 0.0}


def test_after_the_offer_the_bot_listens(tmp_path, monkeypatch, domain) -> None:
    policy = make_policy(tmp_path, monkeypatch)
    events = [
        ActionExecuted(ACTION_LISTEN_NAME),
        UserUttered(ANGRY, {"name": "refund_status", "confidence": 0.9}),
        ActionExecuted("action_offer_person"),
    ]
    state = DialogueStateTracker.from_events("shopper", events, slots=domain.slots)
    prediction = policy.predict_action_probabilities(state, domain)
    assert prediction.probabilities[domain.index_for_action(ACTION_LISTEN_NAME)] == 1.0


@pytest.mark.parametrize(
    "before, intent",
    [
        ((SlotSet("frustration_offered", True),), "refund_status"),  # once per conversation
        ((ActiveLoop("verification_form"),), "refund_status"),  # never while verifying
        ((), "human_handoff"),  # asking for a person already gets one
        ((SlotSet("pending_confirmation", "handoff"),), "refund_status"),  # just offered
    ],
)
def test_no_offer(tmp_path, monkeypatch, domain, before, intent) -> None:
    policy = make_policy(tmp_path, monkeypatch)
    prediction = policy.predict_action_probabilities(
        tracker(domain, (ANGRY, intent), before=before), domain
    )
    assert not offered(prediction, domain)
    assert slots_set(prediction)["frustration"] >= 0.5  # still scored for the console


def test_a_misunderstood_message_raises_the_score_of_the_next(
    tmp_path, monkeypatch, domain
) -> None:
    policy = make_policy(tmp_path, monkeypatch)
    # action_clarify answers misunderstood messages (and offers a person): no offer here.
    first = tracker(domain, ("blorp the flux", "nlu_fallback"))
    assert not offered(policy.predict_action_probabilities(first, domain), domain)
    text = ("I asked about my refund, still nothing", "refund_status")
    alone = policy.predict_action_probabilities(tracker(domain, text), domain)
    after = policy.predict_action_probabilities(
        tracker(domain, ("blorp the flux", "nlu_fallback"), text), domain
    )
    assert slots_set(after)["frustration"] == pytest.approx(slots_set(alone)["frustration"] + 0.15)
    assert offered(after, domain) and not offered(alone, domain)


def test_settings_turn_the_offer_or_the_scoring_off(tmp_path, monkeypatch, domain) -> None:
    angry = tracker(domain, (ANGRY, "refund_status"))
    no_offer = make_policy(tmp_path, monkeypatch, SHOPDESK_FRUSTRATION_OFFER="false")
    prediction = no_offer.predict_action_probabilities(angry, domain)
    assert not offered(prediction, domain) and slots_set(prediction)["frustrated"] is True
    no_scoring = make_policy(tmp_path, monkeypatch, SHOPDESK_FRUSTRATION_SCORING="false")
    prediction = no_scoring.predict_action_probabilities(angry, domain)
    assert not offered(prediction, domain) and prediction.events == []
    strict = make_policy(
        tmp_path,
        monkeypatch,
        SHOPDESK_FRUSTRATION_SCORING="true",
        SHOPDESK_FRUSTRATION_THRESHOLD="1",
    )
    assert not offered(strict.predict_action_probabilities(angry, domain), domain)


def test_no_to_the_offer_carries_on_and_yes_is_left_to_the_handoff_rule(
    tmp_path, monkeypatch, domain
) -> None:
    policy = make_policy(tmp_path, monkeypatch)
    offered_events = [
        ActionExecuted(ACTION_LISTEN_NAME),
        UserUttered(ANGRY, {"name": "refund_status", "confidence": 0.9}),
        ActionExecuted("action_offer_person"),
        SlotSet("pending_confirmation", "handoff"),
        SlotSet("frustration_offered", True),
        ActionExecuted(ACTION_LISTEN_NAME),
    ]
    no = DialogueStateTracker.from_events(
        "shopper",
        [*offered_events, UserUttered("no", {"name": "deny", "confidence": 0.9})],
        slots=domain.slots,
    )
    prediction = policy.predict_action_probabilities(no, domain)
    assert prediction.probabilities[domain.index_for_action("action_offer_declined")] == 1.0
    yes = DialogueStateTracker.from_events(
        "shopper",
        [*offered_events, UserUttered("yes", {"name": "affirm", "confidence": 0.9})],
        slots=domain.slots,
    )
    assert max(policy.predict_action_probabilities(yes, domain).probabilities) == 0.0
    # The question put back after the "no" was scored already: not scored again.
    replayed = DialogueStateTracker.from_events(
        "shopper",
        [
            *offered_events,
            UserUttered("no", {"name": "deny", "confidence": 0.9}),
            ActionExecuted("action_offer_declined"),
            UserUtteranceReverted(),
            ActionExecuted(ACTION_LISTEN_NAME),
            UserUttered(ANGRY, {"name": "refund_status", "confidence": 0.9}),
        ],
        slots=domain.slots,
    )
    again = policy.predict_action_probabilities(replayed, domain)
    assert max(again.probabilities) == 0.0 and again.events == []
