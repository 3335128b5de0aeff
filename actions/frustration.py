"""The offer of a person to a shopper who sounds frustrated, and a "no" to it
(bot/frustration_policy.py decides when each runs)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, SlotSet, UserUtteranceReverted, UserUttered
from rasa_sdk.executor import CollectingDispatcher

from actions.base import ShopAction
from actions.support import YES_NO

OFFER_ACTION = "action_offer_person"
OFFER = (
    "I'm sorry, this has clearly been frustrating. I can pass you to a person from our team "
    "right away; they'll see everything you wrote, so you won't need to repeat it. "
    "Would you like that?"
)


class ActionOfferPerson(ShopAction):
    """Apologise and offer a person; a "yes" hands over (action_handle_confirmation)."""

    def name(self) -> str:
        return "action_offer_person"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(text=OFFER, buttons=YES_NO)
        return [SlotSet("pending_confirmation", "handoff"), SlotSet("frustration_offered", True)]


def message_before_offer(tracker: Tracker) -> dict[str, Any] | None:
    """The shopper's message the offer of a person answered (the last one before the offer)."""
    offered = False
    for event in reversed(tracker.events):
        if event.get("event") == "action" and event.get("name") == OFFER_ACTION:
            offered = True
        elif offered and event.get("event") == "user":
            return event
    return None


class ActionOfferDeclined(ShopAction):
    """A "no" to the offer: carry on with what the shopper asked before it, so they need not
    ask again. The "no" is taken back and their earlier message is put in its place, the way
    Rasa's two-stage fallback replays a message; the bot then answers it as usual."""

    def name(self) -> str:
        return "action_offer_declined"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        earlier = message_before_offer(tracker)
        events = [SlotSet("pending_confirmation", None)]
        if earlier is None:
            dispatcher.utter_message(text="All right. What can I do for you?")
            return events
        dispatcher.utter_message(text="All right, let's carry on.")
        return [
            *events,
            UserUtteranceReverted(),
            ActionExecuted("action_listen"),
            UserUttered(
                earlier.get("text"),
                parse_data=earlier.get("parse_data"),
                input_channel=earlier.get("input_channel"),
            ),
        ]
