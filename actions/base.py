"""What every shopdesk action shares: access to the services and to the latest message.

It is also the one place where an action's infrastructure failure (the shop database down,
an unusable index, a network error) becomes a reply: every action's ``run`` is wrapped by
:func:`answering_failures`, so the shopper gets a short apology and the offer of a person
instead of silence, and the outage is logged once with its cause (``storage/outages.py``).
"""

from __future__ import annotations

import functools
import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT
from sqlalchemy.exc import SQLAlchemyError

from actions.services import ShopServices, shop_services
from storage.db import StorageError
from storage.outages import (
    APOLOGY,
    INFRASTRUCTURE_ERRORS,
    TALK_TO_A_PERSON,
    Outage,
    apologised_this_turn,
    keep_form_waiting,
)

logger = logging.getLogger(__name__)

SHOP_DATABASE = Outage("The shop database", logger)
OTHER_SERVICES = Outage("A service the actions use", logger)

Run = Callable[..., Awaitable[list[dict[str, Any]]]]


def outage_of(error: BaseException) -> Outage:
    """Which component ``error`` says is failing."""
    return SHOP_DATABASE if isinstance(error, SQLAlchemyError | StorageError) else OTHER_SERVICES


def answering_failures(run: Run) -> Run:
    """``run`` with infrastructure errors turned into the apology (logged once per outage)."""

    @functools.wraps(run)
    async def guarded(
        self: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        try:
            events = await run(self, dispatcher, tracker, domain)
        except INFRASTRUCTURE_ERRORS as error:
            outage_of(error).failed(error)
            if not apologised_this_turn(reversed(tracker.events)):
                dispatcher.utter_message(text=APOLOGY, buttons=[TALK_TO_A_PERSON])
            return keep_form_waiting(tracker.get_slot(REQUESTED_SLOT))
        SHOP_DATABASE.recovered()
        OTHER_SERVICES.recovered()
        return events

    guarded.answers_failures = True  # type: ignore[attr-defined]
    return guarded


class UsesShopServices:
    """Gives an action the shop's services; pass ``services`` to use others (tests do).

    Every subclass's ``run`` (its own or inherited, e.g. a form validation's) answers
    infrastructure failures with the apology (:func:`answering_failures`).
    """

    def __init__(self, services: ShopServices | None = None) -> None:
        self.services = services or shop_services()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        run = getattr(cls, "run", None)
        if run is not None and not getattr(run, "answers_failures", False):
            cls.run = answering_failures(run)  # type: ignore[attr-defined]


class ShopAction(UsesShopServices, Action, ABC):
    """An action with the shop's services."""

    @abstractmethod
    def name(self) -> str:
        """The action's name in the domain."""


def entity_values(tracker: Tracker, entity: str) -> list[str]:
    """Values of ``entity`` in the latest user message, in order, without repeats."""
    seen: list[str] = []
    for item in tracker.latest_message.get("entities", []):
        value = item.get("value")
        if item.get("entity") == entity and value is not None and str(value) not in seen:
            seen.append(str(value))
    return seen


def first_entity(tracker: Tracker, entity: str) -> str | None:
    """The first value of ``entity`` in the latest user message, if any."""
    values = entity_values(tracker, entity)
    return values[0] if values else None


def entity_spans(tracker: Tracker, *entities: str) -> list[tuple[int, int]]:
    """Character spans of the given entities in the latest user message."""
    spans = []
    for item in tracker.latest_message.get("entities", []):
        if item.get("entity") in entities and "start" in item and "end" in item:
            spans.append((int(item["start"]), int(item["end"])))
    return spans


def as_float(value: Any) -> float | None:
    """``value`` as a float, or None when it is missing or not a number."""
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def shopper_text(tracker: Tracker) -> str:
    """What the shopper wrote; for a button click ("/intent"), the message before it."""
    text = tracker.latest_message.get("text") or ""
    if not text.startswith("/"):
        return text
    user_texts = [e.get("text") or "" for e in tracker.events if e.get("event") == "user"]
    typed = [t for t in user_texts if t and not t.startswith("/")]
    return typed[-1] if typed else ""


def last_user_intents(tracker: Tracker, count: int) -> list[str]:
    """Intents of the shopper's last ``count`` messages, oldest first."""
    intents = [
        (e.get("parse_data") or {}).get("intent", {}).get("name") or ""
        for e in tracker.events
        if e.get("event") == "user"
    ]
    return intents[-count:]


def likeliest_intent(tracker: Tracker) -> tuple[str | None, float]:
    """The NLU's likeliest intent for the latest message and its confidence.

    Behind ``nlu_fallback`` (confidence too low, or two intents too close) it is the best
    intent of the ranking underneath, so a caller can still see what the message was closest to.
    """
    message = tracker.latest_message
    ranking = message.get("intent_ranking") or [message.get("intent") or {}]
    best = next((i for i in ranking if i.get("name") and i.get("name") != "nlu_fallback"), None)
    if best is None:
        return None, 0.0
    return str(best["name"]), as_float(best.get("confidence")) or 0.0
