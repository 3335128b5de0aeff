"""Rasa's SQL tracker store with the conversations in progress kept in memory.

Rasa's ``SQLTrackerStore`` reads every event of a conversation back from the database and
replays it into a new tracker for each message, then counts the stored events again to find
which ones to write: a third of the Rasa server's CPU per message in the shop bot's profile,
growing with the length of the conversation. :class:`CachingSQLTrackerStore` keeps the trackers
of the most recent conversations after saving them. Before handing one out again it asks the
database for the id and timestamp of the conversation's newest event (one indexed query); only
when that is still the event the kept tracker ends with, and nothing was added to the tracker
without being saved, is the kept tracker used (the timestamp too, as SQLite may give an erased
conversation's ids to the events of one begun again). When another worker or replica stored
events of the conversation since, only those are read and replayed onto the kept tracker (with
several workers, each answering a random share of a conversation's messages, a full read per
message was a fifth of the CPU). Otherwise (a new session, a failed message's unsaved events, a
conversation erased and begun again) it is read from the database as Rasa does. Every event is
still written to the database (the support console reads the same tables) and to the event
broker. A SQLite database is used in write-ahead-log mode
(``storage.db.use_sqlite_write_ahead_log``): in SQLite's default mode each message's commit
waits for several fsyncs, blocking the server. Its connections are pooled (SQLAlchemy 1.4 opens
and closes a file database's connection for every query, and closing the last one checkpoints
the log), and a message's new events are written with one multi-row insert, the newest one read
back in the same transaction (Rasa adds one ORM object per event, each its own statement):
together a fifth of the server's CPU per message under the throughput benchmark
(docs/benchmarks.md).

Use it from ``endpoints.yml`` (``shopdesk run`` writes this)::

    tracker_store:
      type: bot.tracker_store.CachingSQLTrackerStore
      dialect: sqlite
      db: conversations.db
      cache_size: 1000
"""

from __future__ import annotations

import itertools
import json
import logging
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, SessionStarted, deserialise_events
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from storage.db import use_sqlite_write_ahead_log

logger = logging.getLogger(__name__)

#: Conversations kept in memory when endpoints.yml sets no ``cache_size`` (``shopdesk run``
#: passes ``SHOPDESK_TRACKER_CACHE_SIZE``, same default).
DEFAULT_CACHE_SIZE = 1000


@dataclass(frozen=True)
class StoredEvent:
    """Where an event is in the ``events`` table: its row id and its timestamp."""

    id: int
    timestamp: float


@dataclass
class _KeptConversation:
    """A saved tracker and what the database held for it when it was saved."""

    tracker: DialogueStateTracker
    #: Events of ``tracker`` that are in the database.
    saved_events: int
    #: The conversation's newest stored event when the tracker was saved or caught up.
    newest: StoredEvent | None

    def has_unsaved_events(self) -> bool:
        """True when the tracker grew after it was saved (say, a failed message)."""
        return len(self.tracker.events) != self.saved_events


class CachingSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` that reuses the trackers of recent conversations (see module doc)."""

    def __init__(
        self,
        domain: Domain | None = None,
        dialect: str = "sqlite",
        host: str | None = None,
        port: int | None = None,
        db: str = "rasa.db",
        username: str | None = None,
        password: str | None = None,
        event_broker: EventBroker | None = None,
        login_db: str | None = None,
        query: dict | None = None,
        cache_size: int = DEFAULT_CACHE_SIZE,
        **kwargs: Any,
    ) -> None:
        if isinstance(cache_size, bool) or not isinstance(cache_size, int) or cache_size < 0:
            raise ValueError(
                f"tracker store cache_size must be a whole number of conversations (0 keeps "
                f"none), got {cache_size!r}"
            )
        super().__init__(
            domain,
            dialect,
            host,
            port,
            db,
            username,
            password,
            event_broker,
            login_db,
            query,
            **kwargs,
        )
        self.cache_size = cache_size
        self._kept: OrderedDict[str, _KeptConversation] = OrderedDict()
        events = self.SQLEvent.__table__
        # Built once: an ORM query built for every message costs ~5x as much CPU to run. The
        # newest id comes from max() over the sender's index, then its row by primary key.
        newest_id = (
            sa.select(sa.func.max(events.c.id))
            .where(events.c.sender_id == sa.bindparam("sender_id"))
            .scalar_subquery()
        )
        self._newest_event_query = sa.select(events.c.id, events.c.timestamp).where(
            events.c.id == newest_id
        )
        self._events_after_query = (
            sa.select(events.c.id, events.c.timestamp, events.c.data)
            .where(events.c.sender_id == sa.bindparam("sender_id"))
            .where(events.c.id >= sa.bindparam("after"))
            .order_by(events.c.id)
        )
        rasas_engine: sa.engine.Engine = self.engine  # type: ignore[has-type]  # untyped in Rasa
        if rasas_engine.dialect.name == "sqlite" and db not in ("", ":memory:"):
            # A pool of connections in WAL mode in place of one new connection per query. The
            # event loop's thread and the readiness probe's share them, one at a time.
            rasas_engine.dispose()
            engine = sa.create_engine(
                rasas_engine.url,
                poolclass=sa.pool.QueuePool,
                connect_args={"check_same_thread": False},
            )
            sa.event.listen(engine, "connect", use_sqlite_write_ahead_log)
            self.engine = engine
            self.sessionmaker = sa.orm.session.sessionmaker(bind=engine)

    def _newest_event(self, sender_id: str, session: Any = None) -> StoredEvent | None:
        """The conversation's newest stored event (in ``session``, or a new one)."""
        if session is None:
            with self.session_scope() as session:
                return self._newest_event(sender_id, session)
        row = session.execute(self._newest_event_query, {"sender_id": sender_id}).first()
        return None if row is None else StoredEvent(row.id, row.timestamp)

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """The tracker of the latest session: the kept one if the database has nothing newer."""
        kept = self._kept.get(sender_id)
        newest = self._newest_event(sender_id)
        if kept is not None and kept.has_unsaved_events():
            # A message of this conversation is being handled (or its handling failed): hand
            # out what is stored and leave the kept tracker to its own save.
            return await super().retrieve(sender_id)
        if kept is not None and kept.newest == newest:
            self._kept.move_to_end(sender_id)
            return kept.tracker
        if kept is not None and self._catch_up(kept):
            self._kept.move_to_end(sender_id)
            return kept.tracker
        tracker = await super().retrieve(sender_id)
        if tracker is not None:
            self._keep(tracker, len(tracker.events), newest)
        return tracker

    def _catch_up(self, kept: _KeptConversation) -> bool:
        """Add to the kept tracker the events stored after its newest one; False (nothing
        changed) when only a full read is right.

        Another worker or replica answered this conversation's last messages: its new events
        are replayed onto the kept tracker as Rasa's read would replay them (``update`` in
        order), so the tracker, and the policies' kept past states, need not be rebuilt from
        the first event. A new session falls back to the full read (Rasa then reads back only
        the latest session), as do events this Rasa version cannot read.
        """
        if kept.newest is None:
            return False
        with self.session_scope() as session:
            rows = session.execute(
                self._events_after_query,
                {"sender_id": kept.tracker.sender_id, "after": kept.newest.id},
            ).all()
        # The kept tracker's newest event must still be stored: a conversation erased for
        # privacy and begun again has other events, and SQLite may give them the same ids.
        if len(rows) < 2 or StoredEvent(rows[0].id, rows[0].timestamp) != kept.newest:
            return False
        data = [json.loads(row.data) for row in rows[1:]]
        if any(event.get("event") == SessionStarted.type_name for event in data):
            return False
        events = deserialise_events(data)
        if len(events) != len(data):
            return False
        for event in events:
            kept.tracker.update(event)
        kept.saved_events = len(kept.tracker.events)
        kept.newest = StoredEvent(rows[-1].id, rows[-1].timestamp)
        return True

    def _keep(
        self, tracker: DialogueStateTracker, saved_events: int, newest: StoredEvent | None
    ) -> None:
        if self.cache_size == 0:
            return
        self._kept[tracker.sender_id] = _KeptConversation(tracker, saved_events, newest)
        while len(self._kept) > self.cache_size:
            self._kept.popitem(last=False)

    def _unsaved_events(self, tracker: DialogueStateTracker) -> list[Event] | None:
        """Events of a kept ``tracker`` not yet in the database; ``None`` if it is not kept."""
        kept = self._kept.get(tracker.sender_id)
        if kept is None or kept.tracker is not tracker or len(tracker.events) < kept.saved_events:
            return None
        return list(itertools.islice(tracker.events, kept.saved_events, None))

    async def stream_events(self, tracker: DialogueStateTracker) -> None:
        """Publish the new events to the event broker (without re-reading a kept tracker)."""
        unsaved = self._unsaved_events(tracker)
        if unsaved is None or self.event_broker is None:
            await super().stream_events(tracker)
            return
        await self._stream_new_events(self.event_broker, unsaved, tracker.sender_id)

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator:
        """Events to insert: for a kept tracker the ones added since it was saved."""
        unsaved = self._unsaved_events(tracker)
        if unsaved is None:
            return super()._additional_events(session, tracker)
        return iter(unsaved)

    def _event_row(self, sender_id: str, event: Event) -> dict[str, Any]:
        """The ``events`` row of ``event``, as Rasa's ``SQLTrackerStore.save`` writes it."""
        data = event.as_dict()
        return {
            "sender_id": sender_id,
            "type_name": event.type_name,
            "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            "action_name": data.get("name"),
            "data": json.dumps(data),
        }

    async def _write_new_events(self, tracker: DialogueStateTracker) -> StoredEvent | None:
        """Rasa's ``save`` with one insert for all new events; the newest stored event."""
        await self.stream_events(tracker)
        with self.session_scope() as session:
            rows = [
                self._event_row(tracker.sender_id, event)
                for event in self._additional_events(session, tracker)
            ]
            if rows:
                session.execute(self.SQLEvent.__table__.insert(), rows)
            newest = self._newest_event(tracker.sender_id, session)
            session.commit()
        return newest

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Write the new events as Rasa does, then keep the tracker for the next message."""
        try:
            newest = await self._write_new_events(tracker)
        except Exception:
            self._kept.pop(tracker.sender_id, None)
            raise
        sessions = sum(1 for event in tracker.events if isinstance(event, SessionStarted))
        if sessions > 1:
            # A new session began: Rasa reads back only the latest one, so read it from the
            # database next time instead of keeping the previous session's events around.
            self._kept.pop(tracker.sender_id, None)
            return
        self._keep(tracker, len(tracker.events), newest)
