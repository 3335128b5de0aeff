"""Rasa trackers and NLU entities as the action server receives them, for tests of actions."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker


def tracker_for(
    text: str,
    intent: str,
    entities: list[dict[str, Any]] | None = None,
    slots: dict[str, Any] | None = None,
    sender: str = "shopper",
) -> Tracker:
    """A conversation whose latest message is ``text`` with the given intent and entities."""
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.99},
        "entities": entities or [],
    }
    return Tracker(sender, slots or {}, latest, [], False, None, {}, "action_listen")


def entity(name: str, value: str, text: str, phrase: str | None = None) -> dict[str, Any]:
    """An entity as the NLU pipeline reports it, located at ``phrase`` (default: the value)."""
    phrase = phrase or value
    start = text.index(phrase)
    return {"entity": name, "value": value, "start": start, "end": start + len(phrase)}

