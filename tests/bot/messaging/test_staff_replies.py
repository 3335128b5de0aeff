"""Staff replies after a handoff go out through the conversation's messaging app."""

from __future__ import annotations

import httpx

from tests.bot.messaging.conftest import SECRETS
from tests.bot.messaging.test_slack import dm, post_json
from tests.bot.messaging.test_telegram import post, text_update

STAFF_URL = "/webhooks/shopdesk/staff_message"
AUTH = {"Authorization": f"Bearer {SECRETS['SHOPDESK_API_TOKEN']}"}


def staff_message(server, sender: str, text: str) -> httpx.Response:
    body = {"sender": sender, "text": text, "agent": "Sam", "kind": "message"}
    return httpx.post(f"{server.url}{STAFF_URL}", json=body, headers=AUTH)


def test_a_staff_reply_reaches_the_telegram_chat(server):
    post(server, text_update("I want to talk to a person", chat_id=777))
    sender = server.received[0].sender_id
    server.platforms.calls.clear()
    answer = staff_message(server, sender, "Hi, Sam here. Let me check your order.")
    assert answer.status_code == 200
    sent = server.platforms.to(f"/bot{SECRETS['SHOPDESK_TELEGRAM_TOKEN']}/sendMessage")
    assert sent[0]["body"] == {"chat_id": "777", "text": "Hi, Sam here. Let me check your order."}


def test_a_staff_reply_reaches_the_slack_channel(server):
    post_json(server, dm("a person please"))
    sender = server.received[0].sender_id
    server.platforms.calls.clear()
    assert staff_message(server, sender, "Sam here.").status_code == 200
    call = server.platforms.to("/chat.postMessage")[0]["body"]
    assert call["channel"] == "D024BE91L" and call["text"] == "Sam here."
