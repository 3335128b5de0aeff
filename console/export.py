"""Exports: a conversation or a filtered set as JSON Lines or CSV, and Rasa test stories."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from console.conversation_store import StoredEvent
from console.inbox import InboxFilters, matching_senders
from console.indexer import user_intent
from storage.schema import ConversationMessage

MESSAGE_COLUMNS = ["conversation", "event_id", "sent_at", "actor", "text", "intent", "confidence"]
_SKIPPED_ACTIONS = frozenset({"action_listen", "action_session_start"})
#: Conversations one filtered export holds at most.
MAX_EXPORT_CONVERSATIONS = 20_000


def events_jsonl(events: Iterable[StoredEvent]) -> Iterator[str]:
    """One line per stored event: Rasa's event JSON with the conversation and event id."""
    for event in events:
        yield (
            json.dumps({"conversation": event.sender_id, "event_id": event.id, **event.data}) + "\n"
        )


def messages_of(session: Session, senders: list[str]) -> Iterator[ConversationMessage]:
    """The messages of ``senders``, conversation by conversation, in order."""
    for start in range(0, len(senders), 500):
        chunk = senders[start : start + 500]
        yield from session.execute(
            select(ConversationMessage)
            .where(ConversationMessage.sender_id.in_(chunk))
            .order_by(ConversationMessage.sender_id, ConversationMessage.event_id)
        ).scalars()


def _row(message: ConversationMessage) -> list:
    return [
        message.sender_id,
        message.event_id,
        message.sent_at.isoformat(sep=" "),
        message.actor,
        message.text,
        message.intent or "",
        "" if message.confidence is None else round(message.confidence, 4),
    ]


def messages_csv(messages: Iterable[ConversationMessage]) -> Iterator[str]:
    """CSV with a header row, one line per message."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(MESSAGE_COLUMNS)
    for message in messages:
        writer.writerow(_row(message))
        yield out.getvalue()
        out.seek(0)
        out.truncate()
    yield out.getvalue()


def messages_jsonl(messages: Iterable[ConversationMessage]) -> Iterator[str]:
    """JSON Lines, one object per message."""
    for message in messages:
        yield json.dumps(dict(zip(MESSAGE_COLUMNS, _row(message), strict=True))) + "\n"


def filtered_senders(session: Session, filters: InboxFilters, low_confidence: float) -> list[str]:
    """The conversations an inbox filter matches (newest activity first, capped)."""
    return matching_senders(session, filters, low_confidence, MAX_EXPORT_CONVERSATIONS)


def _annotated(data: dict) -> str:
    text = data.get("text") or ""
    entities = [
        e
        for e in (data.get("parse_data") or {}).get("entities") or []
        if isinstance(e, dict) and isinstance(e.get("start"), int) and isinstance(e.get("end"), int)
    ]
    for entity in sorted(entities, key=lambda e: -e["start"]):
        start, end = entity["start"], entity["end"]
        if 0 <= start < end <= len(text) and "[" not in text[start:end]:
            text = f"{text[:start]}[{text[start:end]}]({entity['entity']}){text[end:]}"
    return text


def regression_story(sender_id: str, events: Iterable[StoredEvent]) -> str:
    """A Rasa test story (``rasa test`` reads ``tests/test_*.yml``) replaying the conversation:
    each shopper message with the intent it should have, and the actions the bot ran."""
    steps: list[dict] = []
    for event in events:
        if event.type_name == "user":
            intent, _ = user_intent(event.data)
            if intent:
                steps.append({"user": _annotated(event.data), "intent": intent})
        elif event.type_name == "action":
            name = event.data.get("name")
            if name and name not in _SKIPPED_ACTIONS:
                steps.append({"action": name})
    story = {"version": "3.1", "stories": [{"story": f"conversation {sender_id}", "steps": steps}]}
    return yaml.safe_dump(story, sort_keys=False, allow_unicode=True, width=1000)
