"""Rasa trackers and NLU entities as the action server receives them, for tests of actions."""

from __future__ import annotations

import time
from typing import Any

from rasa_sdk import Tracker

from actions.verification import CustomerVerification, verified_slots


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


def verified_tracker(
    verification: CustomerVerification,
    customer_id: int,
    text: str,
    intent: str,
    slots: dict[str, Any] | None = None,
    sender: str = "shopper",
) -> Tracker:
    """Like :func:`tracker_for`, from a shopper who proved a moment ago to be ``customer_id``."""
    latest = tracker_for(text, intent, slots=slots, sender=sender)
    proof = verified_slots(verification, latest, customer_id)
    events = [{"event": "user", "timestamp": time.time(), "text": text}]
    return Tracker(
        sender,
        {**(slots or {}), **proof},
        latest.latest_message,
        events,
        False,
        None,
        {},
        "action_listen",
    )
