"""The caching tracker store keeps conversations exactly as Rasa's SQL tracker store does."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.core.brokers.sql import SQLEventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.tracker_store import CachingSQLTrackerStore

BOT_DOMAIN = Path(__file__).resolve().parents[2] / "bot" / "domain"


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(BOT_DOMAIN))


@pytest.fixture
def sqlite_db(tmp_path: Path) -> str:
    return str(tmp_path / "conversations.db")


def caching_store(domain: Domain, db: str, **kwargs) -> CachingSQLTrackerStore:
    return CachingSQLTrackerStore(domain, dialect="sqlite", db=db, **kwargs)


def plain_store(domain: Domain, db: str) -> SQLTrackerStore:
    return SQLTrackerStore(domain, dialect="sqlite", db=db)


def message(text: str, intent: str, answer: str) -> list[Event]:
    """The events of one shopper message and the bot's reply."""
    return [
        UserUttered(text, {"name": intent, "confidence": 0.9}),
        ActionExecuted("utter_greet"),
        BotUttered(answer),
        ActionExecuted("action_listen"),
    ]


def new_session(text: str, answer: str) -> list[Event]:
    """The events of a session's start and its first message and reply."""
    return [
        ActionExecuted("action_session_start"),
        SessionStarted(),
        *message(text, "greet", answer),
    ]


async def handle(store: SQLTrackerStore, sender: str, events: list[Event]) -> DialogueStateTracker:
    """What the Rasa server does per message: fetch (or create), add events, save."""
    tracker = await store.get_or_create_tracker(sender)
    for event in events:
        tracker.update(event)
    await store.save(tracker)
    return tracker


def stored(tracker: DialogueStateTracker | None) -> list[dict]:
    assert tracker is not None
    return [event.as_dict() for event in tracker.events]


def count_queries(store: SQLTrackerStore) -> Iterator[list[str]]:
    statements: list[str] = []
    sa.event.listen(store.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    return statements


async def test_a_conversation_reads_back_the_same_through_rasas_store(
    domain: Domain, sqlite_db: str
) -> None:
    store = caching_store(domain, sqlite_db)
    await handle(store, "ann", message("hi", "greet", "Hello!"))
    await handle(
        store,
        "ann",
        [SlotSet("order_number", "10006"), *message("my order?", "order_status", "Which order?")],
    )
    last = await handle(store, "ann", message("10006", "inform", "It ships tomorrow."))

    from_rasa = await plain_store(domain, sqlite_db).retrieve("ann")
    assert stored(from_rasa) == stored(last)
    assert from_rasa.get_slot("order_number") == "10006"
    assert [e.text for e in from_rasa.events if isinstance(e, UserUttered)] == [
        "hi",
        "my order?",
        "10006",
    ]


async def test_the_next_message_reuses_the_kept_conversation_without_reading_events(
    domain: Domain, sqlite_db: str
) -> None:
    store = caching_store(domain, sqlite_db)
    first = await handle(store, "ann", message("hi", "greet", "Hello!"))
    statements = count_queries(store)
    again = await store.retrieve("ann")
    assert again is first
    assert len(statements) == 1 and "max(events.id)" in statements[0].lower()


async def test_events_written_by_another_server_are_seen(domain: Domain, sqlite_db: str) -> None:
    store = caching_store(domain, sqlite_db)
    await handle(store, "ann", message("hi", "greet", "Hello!"))
    await handle(
        plain_store(domain, sqlite_db), "ann", message("staff here", "greet", "An agent joined.")
    )

    tracker = await store.retrieve("ann")
    assert [e.text for e in tracker.events if isinstance(e, UserUttered)] == ["hi", "staff here"]
    await handle(store, "ann", message("thanks", "thank_you", "You're welcome."))
    assert stored(await plain_store(domain, sqlite_db).retrieve("ann")) == stored(
        await store.retrieve("ann")
    )


async def test_another_workers_events_are_added_to_the_kept_conversation(
    domain: Domain, sqlite_db: str
) -> None:
    """Two workers answer turns of one conversation: each reads only the other's new events
    and ends with exactly the conversation (events and slots) Rasa's full read gives."""
    first, second = caching_store(domain, sqlite_db), caching_store(domain, sqlite_db)
    kept = await handle(first, "ann", message("hi", "greet", "Hello!"))
    await handle(
        second,
        "ann",
        [SlotSet("order_number", "10006"), *message("my order?", "order_status", "Which?")],
    )
    await handle(second, "ann", message("10006", "inform", "It ships tomorrow."))

    statements = count_queries(first)
    tracker = await first.retrieve("ann")
    assert tracker is kept  # caught up, not rebuilt
    assert not any("session_start" in statement.lower() for statement in statements)
    rasas = await plain_store(domain, sqlite_db).retrieve("ann")
    assert stored(tracker) == stored(rasas)
    assert tracker.get_slot("order_number") == "10006"
    assert tracker.latest_message.text == "10006"

    await handle(first, "ann", message("thanks", "thank_you", "You're welcome."))
    assert stored(await second.retrieve("ann")) == stored(
        await plain_store(domain, sqlite_db).retrieve("ann")
    )


async def test_a_new_session_started_by_another_worker_is_read_like_rasa_reads_it(
    domain: Domain, sqlite_db: str
) -> None:
    first, second = caching_store(domain, sqlite_db), caching_store(domain, sqlite_db)
    await handle(first, "ann", message("hi", "greet", "Hello!"))
    await handle(second, "ann", new_session("back", "Welcome back!"))

    ours = await first.retrieve("ann")
    assert stored(ours) == stored(await plain_store(domain, sqlite_db).retrieve("ann"))
    assert [e.text for e in ours.events if isinstance(e, UserUttered)] == ["back"]


@pytest.mark.parametrize(
    "rewritten",
    [
        ["hello", "shoes?"],
        # As long as before: SQLite gives the new events the erased ones' ids, so the newest
        # id alone would match the kept tracker's.
        ["hello"],
    ],
)
async def test_a_conversation_erased_and_begun_again_is_not_pieced_onto_the_kept_one(
    domain: Domain, sqlite_db: str, rewritten: list[str]
) -> None:
    first, second = caching_store(domain, sqlite_db), caching_store(domain, sqlite_db)
    await handle(first, "ann", message("my email is ann@example.com", "inform", "Thanks."))
    with second.session_scope() as session:
        session.execute(sa.text("DELETE FROM events WHERE sender_id = 'ann'"))
        session.commit()
    for text in rewritten:
        await handle(second, "ann", message(text, "greet", "Hi!"))

    tracker = await first.retrieve("ann")
    assert [e.text for e in tracker.events if isinstance(e, UserUttered)] == rewritten


async def test_a_message_that_failed_before_saving_leaves_no_trace(
    domain: Domain, sqlite_db: str
) -> None:
    store = caching_store(domain, sqlite_db)
    await handle(store, "ann", message("hi", "greet", "Hello!"))
    failed = await store.retrieve("ann")
    failed.update(UserUttered("this one crashed", {"name": "greet", "confidence": 0.9}))

    fresh = await store.retrieve("ann")
    assert "this one crashed" not in [e.text for e in fresh.events if isinstance(e, UserUttered)]
    await handle(store, "ann", message("hello again", "greet", "Hi!"))
    texts = [
        e.text
        for e in (await plain_store(domain, sqlite_db).retrieve("ann")).events
        if isinstance(e, UserUttered)
    ]
    assert texts == ["hi", "hello again"]


async def test_a_new_session_is_read_back_like_rasa_reads_it(
    domain: Domain, sqlite_db: str
) -> None:
    store = caching_store(domain, sqlite_db)
    await handle(store, "ann", new_session("hi", "Hello!"))
    await handle(store, "ann", new_session("back", "Welcome back!"))

    ours = await store.retrieve("ann")
    rasas = await plain_store(domain, sqlite_db).retrieve("ann")
    assert stored(ours) == stored(rasas)
    assert [e.text for e in ours.events if isinstance(e, UserUttered)] == ["back"]


async def test_every_event_reaches_the_event_broker_once(
    domain: Domain, sqlite_db: str, tmp_path: Path
) -> None:
    broker = SQLEventBroker(db=str(tmp_path / "events.db"))
    store = caching_store(domain, sqlite_db, event_broker=broker)
    await handle(store, "ann", message("hi", "greet", "Hello!"))
    await handle(store, "ann", message("bye", "goodbye", "Bye!"))

    with broker.session_scope() as session:
        published = [json.loads(row.data) for row in session.query(broker.SQLBrokerEvent).all()]
    expected = stored(await plain_store(domain, sqlite_db).retrieve("ann"))
    assert [event["event"] for event in published] == [event["event"] for event in expected]
    assert [e.get("text") for e in published if e["event"] == "user"] == ["hi", "bye"]


async def test_only_the_most_recent_conversations_are_kept(domain: Domain, sqlite_db: str) -> None:
    store = caching_store(domain, sqlite_db, cache_size=2)
    trackers = {
        name: await handle(store, name, message("hi", "greet", "Hello!"))
        for name in ("a", "b", "c")
    }
    assert await store.retrieve("c") is trackers["c"]
    assert await store.retrieve("a") is not trackers["a"]
    assert stored(await store.retrieve("a")) == stored(trackers["a"])


async def test_a_sqlite_conversation_store_commits_to_a_write_ahead_log(
    domain: Domain, sqlite_db: str
) -> None:
    store = caching_store(domain, sqlite_db)
    await handle(store, "ann", message("hi", "greet", "Hello!"))
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL


def test_a_bad_cache_size_is_refused(domain: Domain, sqlite_db: str) -> None:
    with pytest.raises(ValueError, match="cache_size must be a whole number"):
        caching_store(domain, sqlite_db, cache_size=-1)


@pytest.mark.postgres
async def test_conversations_on_postgresql(domain: Domain, postgres_url: str) -> None:
    url = sa.engine.make_url(postgres_url)
    store = CachingSQLTrackerStore(
        domain,
        dialect="postgresql",
        host=url.host,
        port=url.port,
        db=url.database,
        username=url.username,
    )
    await handle(store, "ann", message("hi", "greet", "Hello!"))
    last = await handle(store, "ann", message("where is 10006", "order_status", "On its way."))
    rasas = SQLTrackerStore(
        domain,
        dialect="postgresql",
        host=url.host,
        port=url.port,
        db=url.database,
        username=url.username,
    )
    assert stored(await rasas.retrieve("ann")) == stored(last)
    store.engine.dispose()
    rasas.engine.dispose()


async def test_rows_are_rasas_written_in_one_insert_on_one_pooled_connection(
    domain: Domain, tmp_path: Path
) -> None:
    ours = caching_store(domain, str(tmp_path / "ours.db"))
    rasas = plain_store(domain, str(tmp_path / "rasas.db"))
    first = [SlotSet("order_number", "10006"), *message("my order?", "order_status", "Which?")]
    second = [
        UserUttered("10006", {"name": "inform"}, [{"entity": "order_number", "value": "10006"}]),
        *message("thanks", "thank", "You're welcome."),
    ]
    connects: list[object] = []
    sa.event.listen(ours.engine, "connect", lambda *args: connects.append(args))
    statements = count_queries(ours)
    for store in (ours, rasas):
        tracker = DialogueStateTracker.from_events("ann", first, slots=domain.slots)
        await store.save(tracker)
        for event in second:
            tracker.update(event)
        await store.save(tracker)
    assert sum(s.lstrip().lower().startswith("insert") for s in statements) == 2
    assert len(connects) == 1

    def rows(store: SQLTrackerStore) -> list[tuple]:
        with store.engine.connect() as connection:
            return connection.exec_driver_sql(
                "SELECT sender_id, type_name, timestamp, intent_name, action_name, data "
                "FROM events ORDER BY id"
            ).fetchall()

    assert rows(ours) == rows(rasas)
    assert len(rows(ours)) == len(first) + len(second)
