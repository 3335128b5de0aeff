"""A conversation's transcript as staff read it: messages, what the bot understood and did."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine

from console.conversation_store import StoredEvent, conversation_events
from console.indexer import staff_of, user_intent

#: Events shown per page; older ones load on demand ("earlier turns").
PAGE_EVENTS = 200
_HIDDEN = frozenset({"action_listen", "action_session_start"})


@dataclass(frozen=True)
class TranscriptItem:
    """One line of the transcript."""

    event_id: int
    at: datetime
    #: user, bot, staff, action, slot, paused, resumed, session, rating
    kind: str
    text: str = ""
    channel: str | None = None
    intent: str | None = None
    confidence: float | None = None
    runner_up: str | None = None
    runner_up_confidence: float | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    products: list[dict[str, Any]] = field(default_factory=list)
    buttons: list[str] = field(default_factory=list)
    agent: str | None = None


def _products(data: dict[str, Any]) -> list[dict[str, Any]]:
    custom = (data.get("data") or {}).get("custom") or {}
    if isinstance(custom, dict) and custom.get("type") == "product_list":
        return [p for p in custom.get("products") or [] if isinstance(p, dict)]
    if isinstance(custom, dict) and custom.get("type") == "product":
        return [custom["product"]] if isinstance(custom.get("product"), dict) else []
    return []


def transcript_item(event: StoredEvent) -> TranscriptItem | None:
    """The transcript line of one stored event, or None for bookkeeping events."""
    data, kind = event.data, event.type_name
    if kind == "user":
        intent, confidence = user_intent(data)
        ranking = (data.get("parse_data") or {}).get("intent_ranking") or []
        second = ranking[1] if len(ranking) > 1 and isinstance(ranking[1], dict) else {}
        entities = (data.get("parse_data") or {}).get("entities") or []
        return TranscriptItem(
            event.id,
            event.at,
            "user",
            text=data.get("text") or "",
            channel=data.get("input_channel"),
            intent=intent,
            confidence=confidence,
            runner_up=second.get("name"),
            runner_up_confidence=second.get("confidence"),
            entities=[e for e in entities if isinstance(e, dict)],
        )
    if kind == "bot":
        staff = staff_of(data)
        buttons = (data.get("data") or {}).get("buttons") or []
        if staff and staff.get("kind") in ("joined", "left"):
            return TranscriptItem(
                event.id, event.at, "staff " + staff["kind"], text=data.get("text") or ""
            )
        return TranscriptItem(
            event.id,
            event.at,
            "staff" if staff else "bot",
            text=data.get("text") or "",
            products=_products(data),
            buttons=[b.get("title", "") for b in buttons if isinstance(b, dict)],
            agent=(staff or {}).get("agent") or (staff or {}).get("name"),
        )
    if kind == "action" and data.get("name") not in _HIDDEN:
        return TranscriptItem(event.id, event.at, "action", text=data.get("name") or "")
    if kind == "slot" and data.get("value") is not None:
        return TranscriptItem(
            event.id, event.at, "slot", text=f"{data.get('name')} = {data.get('value')!r}"[:300]
        )
    if kind == "pause":
        return TranscriptItem(event.id, event.at, "paused", text="the bot paused")
    if kind == "resume":
        return TranscriptItem(event.id, event.at, "resumed", text="the bot answers again")
    if kind == "session_started":
        return TranscriptItem(event.id, event.at, "session", text="new session")
    return None


@dataclass(frozen=True)
class TranscriptPage:
    """The newest events of a conversation (or those before ``before_id``)."""

    items: list[TranscriptItem]
    #: Id to ask for the previous page with, when older events remain.
    earlier: int | None
    found: bool


def load_transcript(
    engine: Engine, sender_id: str, before_id: int | None = None, limit: int = PAGE_EVENTS
) -> TranscriptPage:
    """The transcript page of ``sender_id``: the last turns first, older ones on request."""
    events, more = conversation_events(engine, sender_id, before_id=before_id, limit=limit)
    items = [item for item in map(transcript_item, events) if item is not None]
    earlier = events[0].id if more and events else None
    return TranscriptPage(items=items, earlier=earlier, found=bool(events))
