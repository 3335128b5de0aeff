"""The waiting queue puts shoppers the bot heard frustration from first, and says so."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from console.inbox import InboxFilters, search_inbox, waiting_queue
from storage.schema import SentimentReading
from storage.support import request_handoff
from tests.helpers.conversation_log import Conversation

DAY = datetime(2026, 11, 2, 9, 0)


def test_frustrated_shoppers_come_first_in_the_waiting_queue(
    conversation_log, console_app, shop_session, client
) -> None:
    conversation_log.save(
        Conversation("calm-early")
        .start(DAY)
        .user(DAY, "can I talk to a person please", "human_handoff", 0.95)
        .slot(DAY, "frustration", 0.0),
        Conversation("angry-late")
        .start(DAY + timedelta(minutes=20))
        .user(
            DAY + timedelta(minutes=20),
            "third time I ask!!! where is my refund",
            "nlu_fallback",
            0.2,
        )
        .slot(DAY + timedelta(minutes=20), "frustration", 0.8)
        .slot(DAY + timedelta(minutes=20), "frustrated", True),
    )
    console_app.state.console.index_now()
    request_handoff(shop_session, "calm-early", "requested", now=DAY)
    request_handoff(shop_session, "angry-late", "requested", now=DAY + timedelta(minutes=21))

    queue = waiting_queue(shop_session, DAY + timedelta(minutes=30))
    # Waiting longer alone would put calm-early first; frustration wins.
    assert [(w.sender_id, w.frustrated) for w in queue] == [
        ("angry-late", True),
        ("calm-early", False),
    ]

    page = client("agent").http.get("/inbox/queue")
    assert page.status_code == 200
    assert page.text.index("angry-late") < page.text.index("calm-early")
    assert page.text.count(">frustrated</span>") == 1
    # The tag is an ordinary one: staff see it in the inbox and can filter on it.
    tagged = search_inbox(shop_session, InboxFilters(tag="frustrated"), low_confidence=0.5)
    assert [row.sender_id for row in tagged.rows] == ["angry-late"]


def test_each_messages_sentiment_is_kept_for_the_customer_profile(
    conversation_log, console_app, shop_session
) -> None:
    conversation_log.save(
        Conversation("moody")
        .start(DAY)
        .user(DAY, "thanks, great help", "thank_you", 0.9)
        .slot(DAY, "sentiment", 0.8)
        .user(DAY + timedelta(minutes=5), "this is ridiculous", "complaint", 0.9)
        .slot(DAY + timedelta(minutes=5), "sentiment", -0.6)
    )
    console_app.state.console.index_now()
    readings = shop_session.execute(
        select(SentimentReading.score, SentimentReading.measured_at)
        .where(SentimentReading.sender_id == "moody")
        .order_by(SentimentReading.measured_at)
    ).all()
    assert [(score, at) for score, at in readings] == [
        (0.8, DAY),
        (-0.6, DAY + timedelta(minutes=5)),
    ]
