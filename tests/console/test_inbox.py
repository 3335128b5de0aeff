"""The inbox's filters and paging over a conversation store written by Rasa's tracker store."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from console.app import create_app
from console.inbox import InboxFilters, parse_filters, search_inbox
from storage.db import create_engine_for, session_factory
from storage.migrations import upgrade
from storage.support import record_rating, request_handoff
from tests.helpers.console import console_settings
from tests.helpers.conversation_log import Conversation, ConversationLog

DAY = datetime(2026, 11, 2, 9, 0)
LOW = 0.6


def seeded(log: ConversationLog) -> None:
    """Five conversations whose filters the tests know.

    ``old-start``: started long ago, last active today (filters use the last activity).
    """
    log.save(
        Conversation("shoes", channel="socketio")
        .start(DAY)
        .user(DAY, "running shoes under $100", "product_search", 0.97)
        .bot(DAY, "Here are running shoes", "action_search_products"),
        Conversation("where-order")
        .start(DAY + timedelta(days=1))
        .user(DAY + timedelta(days=1), "where is my order 10002", "order_status", 0.93)
        .slot(DAY + timedelta(days=1), "verified_customer_id", "12"),
        Conversation("confused")
        .start(DAY + timedelta(days=2))
        .user(DAY + timedelta(days=2), "blorp the flux capacitor", "nlu_fallback", 0.31)
        .action(DAY + timedelta(days=2), "action_default_fallback"),
        Conversation("unsure")
        .start(DAY + timedelta(days=3))
        .user(DAY + timedelta(days=3), "i guess maybe a thing", "recommend", 0.52),
        Conversation("old-start")
        .start(DAY - timedelta(days=30))
        .user(DAY - timedelta(days=30), "hello", "greet", 0.99)
        .user(DAY + timedelta(days=4), "I want a human", "human_handoff", 0.95),
    )


def senders(session, **filters) -> list[str]:
    page = search_inbox(session, InboxFilters(**filters), LOW)
    return [row.sender_id for row in page.rows]


@pytest.fixture
def inbox_session(settings, conversation_log, console_app, shop_session):
    seeded(conversation_log)
    console_app.state.console.index_now()
    request_handoff(shop_session, "old-start", "requested", now=DAY + timedelta(days=4))
    record_rating(shop_session, "where-order", 5, "order_status")
    record_rating(shop_session, "shoes", 2, "product_search")
    return shop_session


def test_newest_activity_first_and_filters_on_last_activity(inbox_session) -> None:
    assert senders(inbox_session) == ["old-start", "unsure", "confused", "where-order", "shoes"]
    day4 = (DAY + timedelta(days=4)).date()
    assert senders(inbox_session, active_from=day4, active_to=day4) == ["old-start"]
    before = (DAY - timedelta(days=1)).date()
    assert senders(inbox_session, active_to=before) == []


def test_each_filter(inbox_session) -> None:
    s = inbox_session
    assert senders(s, channel="socketio") == ["shoes"]
    assert senders(s, intent="order_status") == ["where-order"]
    assert senders(s, handoff="waiting") == ["old-start"]
    assert senders(s, misunderstood=True) == ["unsure", "confused"]
    assert senders(s, csat="5") == ["where-order"]
    assert senders(s, csat="any") == ["where-order", "shoes"]
    assert "shoes" not in senders(s, csat="none")
    assert senders(s, verified=True) == ["where-order"]
    assert senders(s, search="FLUX") == ["confused"]
    assert senders(s, search="100%") == []


def test_filters_combine(inbox_session) -> None:
    assert senders(inbox_session, misunderstood=True, search="maybe") == ["unsure"]
    assert senders(inbox_session, misunderstood=True, intent="order_status") == []
    assert senders(inbox_session, verified=False, misunderstood=False) == ["old-start", "shoes"]


def test_tags_and_reviewed_through_the_pages(inbox_session, client) -> None:
    agent = client("agent")
    assert (
        agent.post(
            "/conversations/shoes/tags", {"tag": "Sizing"}, "/conversations/shoes"
        ).status_code
        == 303
    )
    assert (
        agent.post(
            "/conversations/unsure/reviewed", {"reviewed": "yes"}, "/conversations/unsure"
        ).status_code
        == 303
    )
    assert senders(inbox_session, tag="sizing") == ["shoes"]
    assert senders(inbox_session, reviewed=True) == ["unsure"]
    page = agent.http.get("/inbox?tag=sizing")
    assert "#sizing" in page.text and "where-order" not in page.text


def test_paging_never_loads_everything(
    settings, conversation_log, console_app, shop_session
) -> None:
    conversation_log.save(
        *(
            Conversation(f"c{n:03d}")
            .start(DAY)
            .user(DAY + timedelta(minutes=n), "hi", "greet", 0.9)
            for n in range(60)
        )
    )
    console_app.state.console.index_now()
    pages = [search_inbox(shop_session, InboxFilters(page=n), LOW, page_size=25) for n in (1, 2, 3)]
    assert [len(p.rows) for p in pages] == [25, 25, 10]
    assert [p.has_next for p in pages] == [True, True, False]
    assert pages[0].rows[0].sender_id == "c059" and pages[2].rows[-1].sender_id == "c000"
    seen = [row.sender_id for p in pages for row in p.rows]
    assert len(set(seen)) == 60


def test_new_events_reach_the_index(settings, conversation_log, console_app, shop_session) -> None:
    conversation_log.save(Conversation("late").start(DAY).user(DAY, "hi", "greet", 0.9))
    assert console_app.state.console.index_now() > 0
    conversation_log.save(
        Conversation("late")
        .start(DAY)
        .user(DAY, "hi", "greet", 0.9)
        .user(DAY + timedelta(hours=1), "track my parcel", "order_status", 0.8)
    )
    console_app.state.console.index_now()
    assert senders(shop_session, intent="order_status") == ["late"]
    assert console_app.state.console.index_now() == 0


@pytest.mark.parametrize(
    "query, message",
    [
        ({"active_from": "yesterday"}, "active_from must be a date"),
        ({"csat": "7"}, "csat must be any, none or a score 1-5"),
        ({"misunderstood": "perhaps"}, "misunderstood must be yes or no"),
        ({"page": "-1"}, "page must be a whole number"),
        ({"search": "x" * 5000}, "search for at most 200"),
        ({"active_from": "2026-11-05", "active_to": "2026-11-01"}, "swap the two dates"),
    ],
)
def test_bad_filters_get_a_clear_400(client, query, message) -> None:
    reply = client("agent").http.get("/inbox", params=query)
    assert reply.status_code == 400
    assert message in reply.text
    with pytest.raises(ValueError, match=message.split(" ")[0]):
        parse_filters(query)


@pytest.mark.postgres
def test_filters_on_postgresql(tmp_path, postgres_url) -> None:
    conversations_url = postgres_url  # Rasa's events table beside the shop's tables
    settings = console_settings(
        tmp_path, database_url=postgres_url, tracker_store_url=conversations_url
    )
    upgrade(postgres_url)
    log = ConversationLog(conversations_url)
    seeded(log)
    app = create_app(settings, index_interval=None)
    app.state.console.index_now()
    engine = create_engine_for(postgres_url)
    try:
        with session_factory(engine)() as session:
            request_handoff(session, "old-start", "requested")
            assert senders(session)[0] == "old-start"
            assert senders(session, misunderstood=True, search="flux") == ["confused"]
            assert senders(session, handoff="waiting") == ["old-start"]
            assert senders(session, verified=True) == ["where-order"]
    finally:
        engine.dispose()
        log.close()
        app.state.console.shop.dispose()
        app.state.console.conversations.dispose()
