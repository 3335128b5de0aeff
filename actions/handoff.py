"""Handing a conversation to a person: flag it for staff and keep the bot quiet."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, ConversationPaused, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import ShopAction
from actions.services import ShopServices
from storage.schema import HandoffReason
from storage.support import request_handoff

REASON_BY_INTENT = {"complaint": HandoffReason.COMPLAINT, "human_handoff": HandoffReason.REQUESTED}


def hand_over(
    services: ShopServices,
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    reason: HandoffReason,
    note: str = "",
) -> list[dict[str, Any]]:
    """Flag the conversation for staff, tell the shopper when a person answers, pause the bot."""
    with services.session() as session:
        request_handoff(session, tracker.sender_id, reason, note or None)
    when = services.staff_hours.when_a_person_answers(datetime.now(timezone.utc))
    opening = "I'm sorry about that. " if reason == HandoffReason.COMPLAINT else ""
    dispatcher.utter_message(
        text=f"{opening}I've passed this conversation to our support team; "
        f"a person will answer here {when}. "
        "Everything you wrote so far is with them, so there's no need to repeat it."
    )
    return [
        ActiveLoop(None),
        SlotSet("requested_slot", None),
        SlotSet("pending_confirmation", None),
        ConversationPaused(),
    ]


class ActionHandoff(ShopAction):
    """On request or on a complaint: hand the conversation to a person."""

    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
        reason = REASON_BY_INTENT.get(intent, HandoffReason.REQUESTED)
        return hand_over(
            self.services, dispatcher, tracker, reason, tracker.latest_message.get("text") or ""
        )
