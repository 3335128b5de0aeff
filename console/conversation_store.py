"""Reading Rasa's conversation store: the ``events`` table of its SQL tracker store.

Rasa's ``SQLTrackerStore`` (rasa/core/tracker_store.py) writes one row per event with
``sender_id``, ``type_name``, ``timestamp`` (seconds since the epoch), ``intent_name``,
``action_name`` and the event as JSON in ``data``. The console only reads it; the table is
declared here (not imported from Rasa) so the console starts without loading Rasa.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

_metadata = sa.MetaData()

EVENTS = sa.Table(
    "events",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("type_name", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)


@dataclass(frozen=True)
class StoredEvent:
    """One row of the events table with its JSON decoded."""

    id: int
    sender_id: str
    type_name: str
    at: datetime
    data: dict[str, Any]


def as_datetime(timestamp: float | None) -> datetime:
    """A Rasa timestamp as the naive UTC datetime the shop database uses."""
    moment = datetime.fromtimestamp(timestamp or 0, tz=timezone.utc)
    return moment.replace(tzinfo=None)


def _event(row: sa.engine.Row) -> StoredEvent:
    try:
        data = json.loads(row.data or "{}")
    except json.JSONDecodeError:
        data = {}
    return StoredEvent(row.id, row.sender_id, row.type_name, as_datetime(row.timestamp), data)


def has_events_table(engine: Engine) -> bool:
    """Whether the Rasa server has created its table yet (it does on first start)."""
    return sa.inspect(engine).has_table("events")


def events_after(engine: Engine, after_id: int, limit: int) -> list[StoredEvent]:
    """Up to ``limit`` events with an id above ``after_id``, oldest first."""
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(EVENTS).where(EVENTS.c.id > after_id).order_by(EVENTS.c.id).limit(limit)
        )
        return [_event(row) for row in rows]


def conversation_events(
    engine: Engine, sender_id: str, *, before_id: int | None = None, limit: int = 200
) -> tuple[list[StoredEvent], bool]:
    """The newest ``limit`` events of a conversation (older than ``before_id`` when given),
    oldest first, and whether older events remain."""
    query = sa.select(EVENTS).where(EVENTS.c.sender_id == sender_id)
    if before_id is not None:
        query = query.where(EVENTS.c.id < before_id)
    with engine.connect() as connection:
        rows = list(connection.execute(query.order_by(EVENTS.c.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    return [_event(row) for row in reversed(rows[:limit])], more


def iter_conversation_events(engine: Engine, sender_id: str) -> Iterator[StoredEvent]:
    """Every event of a conversation, oldest first (for exports)."""
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(EVENTS).where(EVENTS.c.sender_id == sender_id).order_by(EVENTS.c.id)
        )
        for row in rows:
            yield _event(row)
