"""The frustration policy: scores every shopper message and offers a person when it is high.

A Rasa policy sees the whole conversation at the moment a message arrives, which the score
needs (misunderstood messages in a row, the same question asked again), and its prediction
may carry events that Rasa stores whichever policy wins. So after each shopper message this
policy:

- stores the message's score (0-1) in the ``frustration`` slot (and ``frustrated: true`` the
  first time a message reaches the threshold) and its VADER sentiment (-1..1) in
  ``sentiment``, where the console reads them;
- predicts ``action_offer_person`` (an apology and a yes/no offer of a person) above the
  threshold, once per conversation, never while a form (verification, address, return) is
  active, never when the shopper is already asking for a person or answering a yes/no question;
- after that action, predicts ``action_listen`` so the shopper can answer; a "no" to the offer
  runs ``action_offer_declined``, which carries on with the message before the offer (a "yes"
  is left to the rule that answers every yes: the handoff).

Otherwise it predicts nothing and the other policies decide as usual. The scorer is
:class:`models.frustration.FrustrationScorer`; the settings ``SHOPDESK_FRUSTRATION_*`` turn
scoring or the offer off and set the threshold without retraining (docs/personalisation.md).
"""

from __future__ import annotations

from typing import Any

from rasa.core.constants import POLICY_PRIORITY
from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUtteranceReverted, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from models.frustration import Conversation, FrustrationScorer
from shopdesk.settings import get_settings

SCORE_SLOT = "frustration"
SENTIMENT_SLOT = "sentiment"
FRUSTRATED_SLOT = "frustrated"
OFFERED_SLOT = "frustration_offered"
FALLBACK_INTENT = "nlu_fallback"
#: Above Rasa's RulePolicy (4): when this policy predicts, it wins.
PRIORITY = 6


def conversation_so_far(tracker: DialogueStateTracker) -> tuple[str, Conversation]:
    """The latest shopper message and what the conversation before it adds to its score."""
    messages = [
        event
        for event in tracker.events
        if isinstance(event, UserUttered) and not (event.text or "").startswith("/")
    ]
    text = tracker.latest_message.text if tracker.latest_message else ""
    # Misunderstood messages in a row, up to this one: the current message counts only when
    # it was misunderstood too, so an answer after a misunderstanding carries it.
    intents = [(e.intent or {}).get("name") for e in tracker.events if isinstance(e, UserUttered)]
    if intents and intents[-1] != FALLBACK_INTENT:
        intents.pop()
    fallbacks = 0
    for intent in reversed(intents):
        if intent != FALLBACK_INTENT:
            break
        fallbacks += 1
    previous = [event.text or "" for event in messages[:-1]] if messages else []
    return text or "", Conversation(previous_messages=previous, fallbacks_in_a_row=fallbacks)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class FrustrationPolicy(Policy):
    """Scores each shopper message; offers a person once when the score is high."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The action that makes the offer and the intents during which it is never made."""
        return {
            POLICY_PRIORITY: PRIORITY,
            "offer_action": "action_offer_person",
            "declined_action": "action_offer_declined",
            # Asking for a person (or complaining) already gets one; a yes or no answers the
            # bot's own question, such as an earlier offer of a person; a misunderstood message
            # gets action_clarify, which offers a person itself and hands over the second time.
            "skip_intents": [
                "human_handoff",
                "complaint",
                "affirm",
                "deny",
                "stop",
                "nlu_fallback",
            ],
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        featurizer: Any = None,
    ) -> None:
        super().__init__(config, model_storage, resource, execution_context, featurizer)
        settings = get_settings()
        self.scorer = FrustrationScorer() if settings.frustration_scoring else None
        self.offer = settings.frustration_offer
        self.threshold = settings.frustration_threshold
        self.offer_action = str(config["offer_action"])
        self.declined_action = str(config["declined_action"])
        self.skip_intents = frozenset(config["skip_intents"])

    def train(
        self, training_trackers: list[TrackerWithCachedStates], domain: Domain, **kwargs: Any
    ) -> Resource:
        """Nothing to learn: the scorer's weights and the threshold come from the benchmark."""
        with self._model_storage.write_to(self._resource):
            pass
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> FrustrationPolicy:
        """The policy with today's settings (nothing was persisted)."""
        return cls(config, model_storage, resource, execution_context)

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        """Score a new shopper message; predict the offer above the threshold."""
        probabilities = self._default_predictions(domain)
        latest = tracker.latest_action_name
        if latest == self.offer_action:
            probabilities[domain.index_for_action(ACTION_LISTEN_NAME)] = 1.0
            return self._prediction(probabilities)
        if self.scorer is None or latest != ACTION_LISTEN_NAME or not tracker.latest_message:
            return self._prediction(probabilities)
        if self._replayed(tracker):
            # action_offer_declined put back a message this policy scored already.
            return self._prediction(probabilities)
        if self._declines_the_offer(tracker):
            probabilities[domain.index_for_action(self.declined_action)] = 1.0
            return self._prediction(probabilities)
        text, conversation = conversation_so_far(tracker)
        if not text or text.startswith("/"):
            return self._prediction(probabilities)
        result = self.scorer.score(text, conversation)
        events: list[Any] = [
            SlotSet(SCORE_SLOT, result.score),
            SlotSet(SENTIMENT_SLOT, round(result.sentiment, 4)),
        ]
        frustrated = result.score >= self.threshold
        if frustrated and not tracker.get_slot(FRUSTRATED_SLOT):
            events.append(SlotSet(FRUSTRATED_SLOT, True))
        if frustrated and self._may_offer(tracker):
            probabilities[domain.index_for_action(self.offer_action)] = 1.0
        return self._prediction(probabilities, events=events)

    @staticmethod
    def _replayed(tracker: DialogueStateTracker) -> bool:
        """The latest message was put back after a rewind (not newly typed)."""
        events = list(tracker.events)
        return len(events) >= 3 and isinstance(events[-3], UserUtteranceReverted)

    def _declines_the_offer(self, tracker: DialogueStateTracker) -> bool:
        """A "no" right after the offer of a person."""
        intent = (
            (tracker.latest_message.intent or {}).get("name") if tracker.latest_message else None
        )
        if intent != "deny" or tracker.get_slot("pending_confirmation") != "handoff":
            return False
        actions = [
            event.action_name
            for event in tracker.events
            if isinstance(event, ActionExecuted) and event.action_name != ACTION_LISTEN_NAME
        ]
        return bool(actions) and actions[-1] == self.offer_action

    def _may_offer(self, tracker: DialogueStateTracker) -> bool:
        intent = (
            (tracker.latest_message.intent or {}).get("name") if tracker.latest_message else None
        )
        return (
            self.offer
            and not tracker.get_slot(OFFERED_SLOT)
            and tracker.active_loop_name is None
            and tracker.get_slot("pending_confirmation") != "handoff"
            and intent not in self.skip_intents
        )
