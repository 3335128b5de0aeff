"""The conversation store that masks personal data before anything is written.

Rasa 3.6 handles a message in memory: ``MessageProcessor.handle_message`` parses it, runs the
actions (the action server receives the tracker as it is then, with the shopper's words) and
only afterwards saves the tracker. :class:`RedactingTrackerStore` replaces, at that save and
before the first byte reaches the database, the event broker or the kept copy in memory, every
email, phone number, payment card, street address and personal name in the new events by a
typed placeholder (``storage.pii``): the user's text, its parse data and entities, what the bot
said, and slot values. The in-memory tracker is changed in place, so a later message sees the
same conversation whether it comes from this worker's memory, another worker or the database
after a restart.

The flows need nothing of what is masked after the message that carried it: the verification
form checks the email or ZIP within that message and keeps the verified customer's id and a
signed proof (digits and hex, never masked); the address form saves the new address to the
order within the message that typed it; order numbers, SKUs and tracking numbers are never
masked. ``shopdesk run`` uses this store when ``SHOPDESK_REDACT_PII`` is on (the default).
"""

from __future__ import annotations

from typing import Any

from rasa.shared.core.events import BotUttered, EntitiesAdded, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.tracker_store import CachingSQLTrackerStore
from storage.pii import install_log_redaction, redact_text, redact_value

#: Attribute set on an event once it has been redacted (events read back from the database are
#: new objects and are checked again, cheaply: placeholders are not personal data).
_REDACTED = "_shopdesk_redacted"


def _redact_entities(entities: list[dict[str, Any]], redaction: Any = None) -> list[dict]:
    redacted = []
    for entity in entities:
        entity = dict(entity)
        if "value" in entity:
            entity["value"] = redact_value(entity["value"])
        if redaction is not None and "start" in entity and "end" in entity:
            span = redaction.new_span(int(entity["start"]), int(entity["end"]))
            if span is not None:
                entity["start"], entity["end"] = span
        redacted.append(entity)
    return redacted


def _redact_user(event: UserUttered) -> None:
    redaction = redact_text(event.text) if event.text else None
    if redaction is not None:
        event.text = redaction.text
    event.entities = _redact_entities(event.entities, redaction)
    parse_data: dict[str, Any] = event.parse_data  # type: ignore[assignment]
    if parse_data.get("text") is not None:
        parse_data["text"] = event.text
    parse_data["entities"] = _redact_entities(parse_data.get("entities") or [], redaction)
    if event.metadata:
        event.metadata = redact_value(event.metadata)
        parse_data["metadata"] = event.metadata


def redact_event(event: Event) -> dict[str, Any]:
    """Mask the personal data in ``event`` in place; returns the slots it changed."""
    changed: dict[str, Any] = {}
    if getattr(event, _REDACTED, False):
        return changed
    if isinstance(event, UserUttered):
        _redact_user(event)
    elif isinstance(event, BotUttered):
        if event.text:
            event.text = redact_text(event.text).text
        if event.data:
            event.data = redact_value(event.data)
    elif isinstance(event, SlotSet):
        value = redact_value(event.value)
        if value != event.value:
            event.value = value
            changed[event.key] = value
    elif isinstance(event, EntitiesAdded):
        event.entities = _redact_entities(event.entities)
    setattr(event, _REDACTED, True)
    return changed


def redact_tracker(tracker: DialogueStateTracker) -> None:
    """Mask every event of ``tracker`` not masked yet, and the slots they set."""
    changed: dict[str, Any] = {}
    for event in tracker.events:
        changed.update(redact_event(event))
    for name in changed:
        slot = tracker.slots.get(name)
        if slot is not None and slot.value is not None:
            slot.value = redact_value(slot.value)


class RedactingTrackerStore(CachingSQLTrackerStore):
    """:class:`~bot.tracker_store.CachingSQLTrackerStore` that masks personal data first."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Every Rasa worker builds its tracker store: its log messages are masked too.
        install_log_redaction()

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Mask the new events (and slots) in place, then store and publish them."""
        redact_tracker(tracker)
        await super().save(tracker)
