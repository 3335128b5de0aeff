"""The offer of a person to a shopper who sounds frustrated (bot/frustration_policy.py decides)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import ShopAction
from actions.support import YES_NO

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
