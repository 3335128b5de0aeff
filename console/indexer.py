"""The console's index of the conversation store: one summary row per conversation.

Rasa's ``events`` table has one row per event and a JSON blob; filtering 100,000
conversations on "last activity", intent or confidence there would scan everything. The
indexer reads the events added since its last run (by id) and keeps, in the shop database,
one :class:`~storage.schema.ConversationSummary` per conversation, the intents seen in it,
and its messages (for full-text search and the fix-the-bot queue). It runs every second in
the console process and catches up in batches after a restart.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from console.conversation_store import StoredEvent, events_after, has_events_table
from console.inbox import FRUSTRATED_TAG
from storage.customer_profile import SentimentPoint, record_sentiment
from storage.orders import committing
from storage.schema import (
    ConversationIntent,
    ConversationMessage,
    ConversationSummary,
    ConversationTag,
    IndexPosition,
)

POSITION = "events"
BATCH = 2000
FALLBACK_INTENT = "nlu_fallback"
FALLBACK_ACTIONS = frozenset({"action_default_fallback", "action_two_stage_fallback"})
VERIFIED_SLOT = "verified_customer_id"
#: Set by bot/frustration_policy.py when a message of the conversation sounds frustrated; the
#: conversation gets the FRUSTRATED_TAG, which puts it first in the waiting queue.
FRUSTRATED_SLOT = "frustrated"
#: Each message's sentiment (-1..1), kept as a reading for the customer profile.
SENTIMENT_SLOT = "sentiment"
PREVIEW_CHARS = 200


def staff_of(data: dict[str, Any]) -> dict[str, Any] | None:
    """The ``staff`` metadata of a bot event a staff member sent, else None."""
    metadata = data.get("metadata") or {}
    staff = metadata.get("staff") if isinstance(metadata, dict) else None
    return staff if isinstance(staff, dict) else None


def user_intent(data: dict[str, Any]) -> tuple[str | None, float | None]:
    """A user event's intent name and confidence."""
    intent = (data.get("parse_data") or {}).get("intent") or {}
    confidence = intent.get("confidence")
    return intent.get("name"), float(confidence) if confidence is not None else None


def _insert_ignoring_duplicates(session: Session, model: type, rows: list[dict]) -> None:
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        statement = postgresql.insert(model).on_conflict_do_nothing()
    elif dialect == "sqlite":
        statement = sqlite.insert(model).on_conflict_do_nothing()
    else:  # pragma: no cover - shopdesk supports SQLite and PostgreSQL
        raise RuntimeError(f"The console supports SQLite and PostgreSQL, not {dialect}.")
    session.execute(statement, rows)


class _Batch:
    """Summaries, intents and messages of one batch of events."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.summaries: dict[str, ConversationSummary] = {}
        self.intents: list[dict] = []
        self.messages: list[dict] = []
        self.tags: list[dict] = []
        self.sentiment: list[SentimentPoint] = []

    def prefetch(self, sender_ids: set[str]) -> None:
        """Load the stored summaries of a batch's conversations in one query per 500."""
        ids = sorted(sender_ids)
        for start in range(0, len(ids), 500):
            rows = self.session.execute(
                select(ConversationSummary).where(
                    ConversationSummary.sender_id.in_(ids[start : start + 500])
                )
            ).scalars()
            self.summaries.update((row.sender_id, row) for row in rows)

    def summary(self, sender_id: str, at: datetime) -> ConversationSummary:
        row = self.summaries.get(sender_id)
        if row is None:
            row = ConversationSummary(
                sender_id=sender_id,
                started_at=at,
                last_activity_at=at,
                message_count=0,
                has_fallback=False,
                verified=False,
                paused=False,
            )
            self.session.add(row)
            self.summaries[sender_id] = row
        return row

    def add(self, event: StoredEvent) -> None:
        row = self.summary(event.sender_id, event.at)
        row.last_activity_at = max(row.last_activity_at, event.at)
        data = event.data
        if event.type_name == "user":
            intent, confidence = user_intent(data)
            fallback = intent == FALLBACK_INTENT
            text = data.get("text") or ""
            row.message_count += 1
            row.channel = row.channel or data.get("input_channel")
            row.last_user_text = text[:PREVIEW_CHARS]
            row.has_fallback = row.has_fallback or fallback
            if confidence is not None:
                row.min_confidence = (
                    confidence
                    if row.min_confidence is None
                    else min(row.min_confidence, confidence)
                )
            if intent:
                self.intents.append({"sender_id": event.sender_id, "intent": intent})
            self.messages.append(self._message(event, "user", text, intent, confidence, fallback))
        elif event.type_name == "bot":
            row.message_count += 1
            staff = staff_of(data)
            actor = "bot" if staff is None else "staff"
            if staff and staff.get("kind") in ("joined", "left"):
                actor = "notice"
            self.messages.append(self._message(event, actor, data.get("text") or ""))
        elif event.type_name == "action" and data.get("name") in FALLBACK_ACTIONS:
            row.has_fallback = True
        elif event.type_name == "slot" and data.get("name") == VERIFIED_SLOT:
            row.verified = data.get("value") is not None
        elif event.type_name == "slot" and data.get("name") == FRUSTRATED_SLOT:
            if data.get("value") is True:
                self.tags.append({"sender_id": event.sender_id, "tag": FRUSTRATED_TAG})
        elif event.type_name == "slot" and data.get("name") == SENTIMENT_SLOT:
            if isinstance(data.get("value"), (int, float)):
                self.sentiment.append(SentimentPoint(event.sender_id, data["value"], event.at))
        elif event.type_name == "pause":
            row.paused = True
        elif event.type_name == "resume":
            row.paused = False

    @staticmethod
    def _message(
        event: StoredEvent,
        actor: str,
        text: str,
        intent: str | None = None,
        confidence: float | None = None,
        fallback: bool = False,
    ) -> dict:
        return {
            "event_id": event.id,
            "sender_id": event.sender_id,
            "sent_at": event.at,
            "actor": actor,
            "text": text,
            "intent": intent,
            "confidence": confidence,
            "fallback": fallback,
        }

    def save(self) -> None:
        self.session.flush()
        _insert_ignoring_duplicates(self.session, ConversationIntent, self.intents)
        _insert_ignoring_duplicates(self.session, ConversationMessage, self.messages)
        _insert_ignoring_duplicates(self.session, ConversationTag, self.tags)
        record_sentiment(self.session, self.sentiment)


def index_events(session: Session, events: Iterable[StoredEvent]) -> int:
    """Fold ``events`` (ascending ids, all newer than the stored position) into the index and
    move the position past them. Commits; returns how many events were read."""
    events = list(events)
    if not events:
        return 0
    with committing(session):
        batch = _Batch(session)
        batch.prefetch({event.sender_id for event in events})
        for event in events:
            batch.add(event)
        batch.save()
        position = session.get(IndexPosition, POSITION)
        if position is None:
            session.add(IndexPosition(name=POSITION, last_event_id=events[-1].id))
        else:
            position.last_event_id = events[-1].id
    return len(events)


def indexed_up_to(session: Session) -> int:
    """Id of the last event the index holds (0 before the first run)."""
    value = session.execute(
        select(IndexPosition.last_event_id).where(IndexPosition.name == POSITION)
    ).scalar_one_or_none()
    return value or 0


def catch_up(events_engine: Engine, session: Session) -> int:
    """Index every event the conversation store gained since the last run; returns the count."""
    if not has_events_table(events_engine):
        return 0
    total = 0
    while True:
        events = events_after(events_engine, indexed_up_to(session), BATCH)
        total += index_events(session, events)
        if len(events) < BATCH:
            return total
