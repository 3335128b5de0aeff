"""What every shopdesk action shares: access to the services and to the latest message."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker

from actions.services import ShopServices, shop_services


class UsesShopServices:
    """Gives an action the shop's services; pass ``services`` to use others (tests do)."""

    def __init__(self, services: ShopServices | None = None) -> None:
        self.services = services or shop_services()


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
