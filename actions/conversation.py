"""Small conversation actions: clarifying a low-confidence message, stopping a flow, ratings."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import ShopAction, first_entity, last_user_intents
from actions.handoff import hand_over
from storage.schema import HandoffReason
from storage.support import InvalidRating, record_rating

#: What each intent means, in the words a button offers it to the shopper.
INTENT_IN_PLAIN_WORDS = {
    "product_search": "Find a product",
    "product_question": "Ask about a product",
    "recommend": "Get a recommendation",
    "order_status": "Where is my order?",
    "cancel_order": "Cancel an order",
    "change_order": "Change an order",
    "change_shipping_address": "Change the delivery address",
    "return_item": "Return an item",
    "refund_status": "Where is my refund?",
    "shipping_info": "Shipping costs and times",
    "return_policy": "The return policy",
    "payment_methods": "Ways to pay",
    "payment_issue": "A problem with a payment",
    "invoice": "Get an invoice",
    "account_help": "Help with my account",
    "contact_info": "How to contact the shop",
    "newsletter": "The newsletter",
    "complaint": "Make a complaint",
    "feedback": "Give feedback",
    "human_handoff": "Talk to a person",
}

#: Slots a support flow fills; cleared when the flow ends or is stopped.
FLOW_SLOTS = (
    "requested_flow",
    "contact",
    "new_address",
    "return_reason",
    "pending_confirmation",
    "requested_slot",
)


def clear_flow_slots() -> list[dict[str, Any]]:
    """Events that forget the data of the flow that just ended."""
    return [SlotSet(slot, None) for slot in FLOW_SLOTS]


class ActionClarify(ShopAction):
    """Below the confidence threshold: offer the two likeliest meanings.

    Twice in a row: a person.
    """

    def name(self) -> str:
        return "action_clarify"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if last_user_intents(tracker, 2) == ["nlu_fallback", "nlu_fallback"]:
            return hand_over(self.services, dispatcher, tracker, HandoffReason.REPEATED_FALLBACK)
        ranking = tracker.latest_message.get("intent_ranking") or []
        likely = [r["name"] for r in ranking if r.get("name") in INTENT_IN_PLAIN_WORDS][:2]
        if not likely or any(r.get("name") == "out_of_scope" for r in ranking[1:2]):
            dispatcher.utter_message(response="utter_out_of_scope")
            return []
        dispatcher.utter_message(
            text="Sorry, I'm not sure I understood. Did you mean one of these?",
            buttons=[
                {"title": INTENT_IN_PLAIN_WORDS[name], "payload": f"/{name}"} for name in likely
            ]
            + [{"title": "Talk to a person", "payload": "/human_handoff"}],
        )
        return []


class ActionStopFlow(ShopAction):
    """ "Never mind": leave the current form and forget its data."""

    def name(self) -> str:
        return "action_stop_flow"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_flow_stopped")
        return [ActiveLoop(None), *clear_flow_slots()]


class ActionRecordRating(ShopAction):
    """Stores the shopper's 1–5 rating with the conversation."""

    def name(self) -> str:
        return "action_record_rating"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        raw = first_entity(tracker, "rating")
        flow = tracker.get_slot("last_flow") or "conversation"
        try:
            with self.services.session() as session:
                rating = record_rating(session, tracker.sender_id, int(float(raw or "")), flow)
        except (InvalidRating, ValueError):
            dispatcher.utter_message(
                text="Ratings go from 1 to 5; tap one of the buttons, or just carry on."
            )
            return []
        dispatcher.utter_message(
            text="Thank you for the rating!"
            + (
                " I'm glad I could help."
                if rating.rating >= 4
                else " I'll pass it on so we can do better."
            )
        )
        return [SlotSet("rating", float(rating.rating))]
