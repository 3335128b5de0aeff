"""One customer across channels, in the conversation: who the shopper is and what they like.

The profile (:mod:`storage.customer_profile`) is used only for a shopper proved in this
conversation: by the order number + email/ZIP check, or by the shop's signed identity token
(:mod:`actions.identity`), which the session start turns into the same signed verification.
An unverified claim ("I'm Alex", "my email is ...") never reaches it, and anonymous
conversations are never linked to anyone. ``SHOPDESK_PERSONALISATION=false`` turns the use
off (linking and order verification still work). docs/personalisation.md has the whole picture.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import ShopAction, entity_values, first_entity
from actions.identity import token_in
from actions.verification import verified_customer, verified_slots
from storage.customer_profile import (
    customer_first_name,
    link_conversation,
    linked_conversations,
    record_preferences,
    usual_preference,
)
from storage.schema import Customer, LinkMethod, Order, PreferenceKind

logger = logging.getLogger(__name__)

SESSION_METADATA_SLOT = "session_started_metadata"
#: Entities that state a preference, and what they state.
PREFERENCE_ENTITIES = {
    "size": PreferenceKind.SIZE,
    "color": PreferenceKind.COLOR,
    "brand": PreferenceKind.BRAND,
    "price_max": PreferenceKind.BUDGET,
}
USUAL_SIZE_ENTITY = "usual_size"


def profile_customer(services: Any, tracker: Tracker) -> int | None:
    """The customer whose profile the bot may use here: verified in this conversation, or None."""
    if not services.settings.personalisation:
        return None
    return verified_customer(services.verification, tracker)


def link_verified(services: Any, tracker: Tracker, customer_id: int, linked_by: LinkMethod) -> None:
    """Record that this conversation is ``customer_id``'s (they just proved it)."""
    with services.session() as session:
        link_conversation(
            session, customer_id, tracker.sender_id, linked_by, tracker.get_latest_input_channel()
        )


def token_customer(services: Any, metadata: Any) -> int | None:
    """The existing customer a valid identity token in ``metadata`` names, else None (logged)."""
    tokens = getattr(services, "identity", None)
    token = token_in(metadata)
    if token is None or tokens is None:
        return None
    customer_id = tokens.customer(token)
    if customer_id is None:
        return None
    with services.session() as session:
        if session.get(Customer, customer_id) is None:
            logger.warning(
                "Identity token names customer %s, who does not exist; shopper stays anonymous.",
                customer_id,
            )
            return None
    return customer_id


def note_preferences(services: Any, tracker: Tracker, category: str | None) -> None:
    """Keep the sizes, colours, brands and budget a verified shopper just stated."""
    customer = profile_customer(services, tracker)
    if customer is None:
        return
    stated = [
        (kind, value)
        for entity, kind in PREFERENCE_ENTITIES.items()
        for value in entity_values(tracker, entity)[:1]
    ]
    if stated:
        with services.session() as session:
            record_preferences(session, customer, tracker.sender_id, stated, category)


def with_usual_size(services: Any, tracker: Tracker) -> tuple[dict[str, Any], str | None]:
    """The latest message with "my usual size" read as the customer's size, and a note.

    The search and recommendation actions read the message through this. The returned parse
    has a ``size`` entity over the phrase when the verified customer has stated a size before
    (sizes said for the category asked about, or searched last, win); otherwise it is
    unchanged and the note tells the shopper why the size was left out.
    """
    parse = tracker.latest_message or {}
    entities = list(parse.get("entities") or [])
    usual = [e for e in entities if e.get("entity") == USUAL_SIZE_ENTITY]
    if not usual or any(e.get("entity") == "size" for e in entities):
        return parse, None
    customer = profile_customer(services, tracker)
    if customer is None:
        return parse, (
            "I can use your usual size once I know who you are: verify with an order number "
            'and its email (say "where is my order"), or tell me the size, e.g. "size 10".'
        )
    search = tracker.get_slot("last_search")
    searched = (search.get("filters") or {}).get("category") if isinstance(search, dict) else None
    category = first_entity(tracker, "product_category") or searched
    with services.session() as session:
        size = usual_preference(session, customer, PreferenceKind.SIZE, category)
    if size is None:
        return parse, 'I don\'t know your usual size yet: tell me once, e.g. "size 10".'
    phrase = usual[0]
    size_entity = {**phrase, "entity": "size", "value": size, "extractor": "profile"}
    return {**parse, "entities": [*entities, size_entity]}, f"Your usual size: {size}."


class ActionSessionStart(ShopAction):
    """Rasa's session start (slots carried over), plus the shop's signed identity token.

    A valid token in the first message's metadata makes the shopper verified in this
    conversation (the action server's own signed statement, as after the order check) and
    links the conversation to the customer. A bad token is logged and ignored.
    """

    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        carried = [
            SlotSet(name, value)
            for name, value in tracker.slots.items()
            if value is not None and name != SESSION_METADATA_SLOT
        ]
        metadata = tracker.get_slot(SESSION_METADATA_SLOT)
        events: list[dict[str, Any]] = [SessionStarted(), *carried]
        if metadata is not None:
            events.append(SlotSet(SESSION_METADATA_SLOT, metadata))
        customer = token_customer(self.services, metadata)
        if customer is not None:
            slots = verified_slots(self.services.verification, tracker, customer)
            events += [SlotSet(name, value) for name, value in slots.items()]
            with self.services.session() as session:
                link_conversation(session, customer, tracker.sender_id, LinkMethod.IDENTITY_TOKEN)
        return [*events, ActionExecuted("action_listen")]


class ActionGreet(ShopAction):
    """Says hello; a verified returning customer is greeted by their first name."""

    def name(self) -> str:
        return "action_greet"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        customer = profile_customer(self.services, tracker)
        greeting = greeting_for(self.services, customer, tracker.sender_id)
        if greeting is None:
            dispatcher.utter_message(response="utter_greet")
        else:
            dispatcher.utter_message(
                text=f"{greeting} I can find products for you, answer questions about them, "
                "and help with your orders, returns and refunds. What can I do for you?"
            )
        return []


def greeting_for(services: Any, customer: int | None, sender_id: str) -> str | None:
    """ "Welcome back, Alex!" for a customer known before this conversation, "Hi Alex!" for a
    new one, None when nobody is verified."""
    if customer is None:
        return None
    with services.session() as session:
        name = customer_first_name(session, customer)
        earlier = [s for s in linked_conversations(session, customer) if s != sender_id]
        ordered = session.query(Order.id).filter(Order.customer_id == customer).first()
    if name is None:
        return None
    return f"Welcome back, {name}!" if earlier or ordered else f"Hi {name}!"
