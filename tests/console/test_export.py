"""Exports: one conversation, a filtered set, a test story; and exports of nothing."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

import pytest
import yaml
from sqlalchemy import select

from storage.schema import AuditEntry
from tests.helpers.conversation_log import Conversation

DAY = datetime(2026, 11, 2, 9, 0)


@pytest.fixture
def two(conversation_log, console_app) -> None:
    conversation_log.save(
        Conversation("order-1")
        .start(DAY)
        .user(
            DAY,
            "where is order 10002",
            "order_status",
            0.9,
            entities=[{"entity": "order_number", "value": "10002", "start": 15, "end": 20}],
        )
        .bot(DAY, "Which e-mail did you order with?", "utter_ask_email"),
        Conversation("search-1").start(DAY).user(DAY, "red dress", "product_search", 0.95),
    )
    console_app.state.console.index_now()


def test_one_conversation_as_jsonl_and_csv(client, two, shop_session) -> None:
    agent = client("agent")
    lines = agent.http.get("/export/conversations/order-1.jsonl").text.splitlines()
    events = [json.loads(line) for line in lines]
    assert [e["event"] for e in events if e["event"] in ("user", "bot")] == ["user", "bot"]
    assert all(e["conversation"] == "order-1" for e in events)
    rows = list(csv.reader(io.StringIO(agent.http.get("/export/conversations/order-1.csv").text)))
    assert rows[0][:5] == ["conversation", "event_id", "sent_at", "actor", "text"]
    assert [r[3:6] for r in rows[1:]] == [
        ["user", "where is order 10002", "order_status"],
        ["bot", "Which e-mail did you order with?", ""],
    ]
    exports = shop_session.execute(
        select(AuditEntry.detail).where(AuditEntry.action == "export")
    ).scalars()
    assert list(exports) == ["jsonl", "csv"]


def test_filtered_set_and_nothing_to_export(client, two) -> None:
    agent = client("agent")
    reply = agent.http.get("/export/inbox.jsonl", params={"intent": "product_search"})
    assert [json.loads(line)["conversation"] for line in reply.text.splitlines()] == ["search-1"]
    empty = agent.http.get("/export/inbox.csv", params={"intent": "cancel_order"})
    assert empty.status_code == 404 and "nothing to export" in empty.text
    bad = agent.http.get("/export/inbox.csv", params={"csat": "11"})
    assert bad.status_code == 400
    assert client("annotator").http.get("/export/inbox.csv").status_code == 403


def test_test_story_of_a_reviewed_conversation(client, two) -> None:
    agent = client("agent")
    assert agent.http.get("/export/conversations/order-1/stories.yml").status_code == 409
    path = "/conversations/order-1"
    assert agent.post(f"{path}/reviewed", {"reviewed": "yes"}, path).status_code == 303
    story = yaml.safe_load(agent.http.get("/export/conversations/order-1/stories.yml").text)
    assert story["stories"][0]["steps"] == [
        {"user": "where is order [10002](order_number)", "intent": "order_status"},
        {"action": "utter_ask_email"},
    ]


def test_exports_of_nothing_and_bad_exports_say_why_and_audit_nothing(
    client, two, shop_session
) -> None:
    agent = client("agent")
    for path in ("/export/conversations/nobody.jsonl", "/export/conversations/nobody/stories.yml"):
        missing = agent.http.get(path)
        assert missing.status_code == 404 and "There is no conversation" in missing.text
    huge = agent.http.get("/export/inbox.jsonl", params={"search": "leather " * 1000})
    assert huge.status_code == 400 and "search for at most 200" in huge.text
    wrong_kind = agent.http.get("/export/inbox.xlsx")
    assert wrong_kind.status_code == 404 and "Export as .jsonl or .csv" in wrong_kind.text
    exports = shop_session.execute(select(AuditEntry).where(AuditEntry.action == "export"))
    assert exports.first() is None
