"""The transcript page and live takeover, against a recording stand-in for Rasa's HTTP API."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from console.app import create_app
from storage.schema import AuditEntry, ConversationSummary, HandoffRequest, HandoffStatus
from storage.support import request_handoff
from tests.helpers.conversation_log import Conversation

DAY = datetime(2026, 11, 2, 9, 0)


class RasaRecorder(ThreadingHTTPServer):
    """Answers like Rasa's HTTP API and records each request (path, token, JSON body)."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[tuple[str, str, object]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        parts = urlsplit(self.path)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        token = parse_qs(parts.query).get("token", [""])[0]
        self.server.requests.append((parts.path, token, body))
        reply = b'{"sent": true}'
        self.send_response(401 if token != "console-test-token" else 200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def rasa() -> Iterator[RasaRecorder]:
    server = RasaRecorder()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def console_app(settings, conversation_log, rasa):
    """The console talking to the recording stand-in."""
    return create_app(settings, rasa_url=rasa.url, index_interval=None)


@pytest.fixture
def handed_off(conversation_log, console_app, shop_session) -> str:
    conversation_log.save(
        Conversation("shopper-1", channel="shopdesk")
        .start(DAY)
        .user(
            DAY,
            "blue running shoes",
            "product_search",
            0.91,
            runner_up=("recommend", 0.05),
            entities=[{"entity": "color", "value": "blue", "start": 0, "end": 4}],
        )
        .bot(
            DAY,
            "Here is what I found",
            "action_search_products",
            data={
                "custom": {
                    "type": "product_list",
                    "products": [
                        {"title": "Aero Runner", "price_text": "$89.00", "in_stock": True}
                    ],
                }
            },
        )
        .user(DAY + timedelta(minutes=1), "let me talk to a person", "human_handoff", 0.97)
        .pause(DAY + timedelta(minutes=1))
    )
    console_app.state.console.index_now()
    request_handoff(shop_session, "shopper-1", "requested", now=DAY + timedelta(minutes=1))
    return "shopper-1"


def test_transcript_shows_what_the_bot_understood_and_showed(client, handed_off) -> None:
    page = client("annotator").http.get(f"/conversations/{handed_off}").text
    for expected in (
        "blue running shoes",
        "product_search</strong> 0.91",
        "runner-up recommend 0.05",
        "color=blue",
        "Aero Runner",
        "$89.00",
        "action_search_products",
        "the bot paused",
        "requested</span> open",
    ):
        assert expected in page, expected
    assert "Take over" not in page  # annotators read but do not answer


def test_long_conversations_load_the_last_turns_first(
    client, conversation_log, console_app
) -> None:
    talk = Conversation("chatty").start(DAY)
    for n in range(150):
        talk.user(DAY + timedelta(seconds=n), f"message number {n}", "greet", 0.9)
        talk.bot(DAY + timedelta(seconds=n), f"answer number {n}")
    conversation_log.save(talk)
    console_app.state.console.index_now()
    agent = client("agent")
    page = agent.http.get("/conversations/chatty").text
    assert "message number 149" in page and "message number 0<" not in page
    pages, older = 1, ""
    while 'hx-get="/conversations/chatty?before=' in page:
        earlier = page.split('hx-get="/conversations/chatty?before=')[1].split('"')[0]
        page = agent.http.get(
            f"/conversations/chatty?before={earlier}", headers={"HX-Request": "true"}
        ).text
        assert "message number 149" not in page
        older += page
        pages += 1
    assert "message number 0<" in older and "new session" in older
    assert pages == 4  # 603 events, 200 a page
    assert agent.http.get("/conversations/nobody").status_code == 404


def test_take_over_reply_and_hand_back(client, rasa, handed_off, shop_session) -> None:
    agent = client("agent")
    path = f"/conversations/{handed_off}"
    assert agent.post(f"{path}/take-over", csrf_from=path).status_code == 303
    assert (
        agent.post(f"{path}/reply", {"text": "Hi, I'm Agent. How can I help?"}, path).status_code
        == 303
    )
    assert agent.post(f"{path}/hand-back", csrf_from=path).status_code == 303
    calls = [(p, body) for p, token, body in rasa.requests]
    assert all(token == "console-test-token" for _, token, _ in rasa.requests)
    assert calls == [
        (f"/conversations/{handed_off}/tracker/events", [{"event": "pause"}]),
        (
            "/webhooks/shopdesk/staff_message",
            {
                "sender": handed_off,
                "text": "Agent joined the chat.",
                "agent": "Agent",
                "kind": "joined",
            },
        ),
        (
            "/webhooks/shopdesk/staff_message",
            {
                "sender": handed_off,
                "text": "Hi, I'm Agent. How can I help?",
                "agent": "Agent",
                "kind": "message",
            },
        ),
        (
            "/webhooks/shopdesk/staff_message",
            {
                "sender": handed_off,
                "text": "Agent left the chat.",
                "agent": "Agent",
                "kind": "left",
            },
        ),
        (
            f"/conversations/{handed_off}/tracker/events",
            [{"event": "resume"}, {"event": "action", "name": "action_listen"}],
        ),
    ]
    shop_session.expire_all()
    status = shop_session.execute(
        select(HandoffRequest.status).where(HandoffRequest.sender_id == handed_off)
    ).scalar_one()
    assert status == HandoffStatus.RESOLVED
    assert shop_session.get(ConversationSummary, handed_off).assigned_staff_id is None
    actions = shop_session.execute(
        select(AuditEntry.action).where(AuditEntry.target == handed_off)
    ).scalars()
    assert list(actions) == ["take_over", "reply", "hand_back"]


def test_two_agents_cannot_both_take_a_conversation(client, handed_off, rasa, shop_session) -> None:
    first, second = client("agent"), client("admin")
    path = f"/conversations/{handed_off}"
    assert first.post(f"{path}/take-over", csrf_from=path).status_code == 303
    refused = second.post(f"{path}/take-over", csrf_from=path)
    assert refused.status_code == 409 and "Agent has this conversation" in refused.text
    assert "With <strong>Agent</strong>" in second.http.get(path).text
    reply = second.post(f"{path}/reply", {"text": "me too"}, path)
    assert reply.status_code == 409
    assert sum(1 for p, _, _ in rasa.requests if p.endswith("/tracker/events")) == 1


def test_annotators_cannot_take_over(client, handed_off, rasa) -> None:
    path = f"/conversations/{handed_off}"
    assert client("annotator").post(f"{path}/take-over", csrf_from=path).status_code == 403
    assert rasa.requests == []


def test_rasa_down_releases_the_conversation(
    settings, conversation_log, handed_off, client, shop_session, console_app
) -> None:
    console_app.state.console.rasa.url = "http://127.0.0.1:9"  # nothing listens there
    agent = client("agent")
    path = f"/conversations/{handed_off}"
    reply = agent.post(f"{path}/take-over", csrf_from=path)
    assert reply.status_code == 502 and "did not" in reply.text
    shop_session.expire_all()
    assert shop_session.get(ConversationSummary, handed_off).assigned_staff_id is None


def test_notes_and_flags(client, handed_off, shop_session) -> None:
    agent = client("agent")
    path = f"/conversations/{handed_off}"
    assert agent.post(f"{path}/notes", {"body": "VIP, refund if asked"}, path).status_code == 303
    page = agent.http.get(path).text
    assert "VIP, refund if asked" in page
    event_id = page.split(f'action="{path}/messages/')[1].split("/flag")[0]
    assert agent.post(f"{path}/messages/{event_id}/flag", csrf_from=path).status_code == 303
    assert "flagged</span>" in agent.http.get(path).text
    assert agent.post(f"{path}/messages/999999/flag", csrf_from=path).status_code == 404
    assert agent.post(f"{path}/notes", {"body": "  "}, path).status_code == 400


def test_live_chat_says_the_bot_is_paused_until_someone_takes_it(client, handed_off) -> None:
    agent = client("agent")
    path = f"/conversations/{handed_off}"
    waiting = agent.http.get(path).text
    assert "The bot is paused: the shopper is waiting for a person" in waiting
    assert "The bot is answering" not in waiting
    assert agent.post(f"{path}/take-over", csrf_from=path).status_code == 303
    taken = agent.http.get(path).text
    assert "With <strong>Agent</strong> (you)" in taken and "The bot is paused" not in taken
    assert agent.post(f"{path}/hand-back", csrf_from=path).status_code == 303
    # Before the indexer has read the resume event, the page already says the bot answers.
    answering = agent.http.get(path).text
    assert "The bot is answering" in answering and "The bot is paused" not in answering
