"""Staff replies after a handoff go out through the conversation's messaging app."""

from __future__ import annotations

import json

import httpx

from tests.helpers.fake_platforms import SECRETS
from tests.helpers.platform_requests import (
    TELEGRAM_API,
    TWILIO_MESSAGES,
    messenger_text,
    post_messenger,
    post_slack,
    post_telegram,
    post_twilio,
    slack_dm,
    telegram_text,
    whatsapp,
)

STAFF_URL = "/webhooks/shopdesk/staff_message"
AUTH = {"Authorization": f"Bearer {SECRETS['SHOPDESK_API_TOKEN']}"}


def staff_message(server, sender: str, text: str) -> httpx.Response:
    body = {"sender": sender, "text": text, "agent": "Sam", "kind": "message"}
    return httpx.post(f"{server.url}{STAFF_URL}", json=body, headers=AUTH)


def test_a_staff_reply_reaches_the_telegram_chat(server):
    post_telegram(server.url, telegram_text("I want to talk to a person", 777, 880001))
    sender = server.received[0].sender_id
    server.platforms.calls.clear()
    answer = staff_message(server, sender, "Hi, Sam here. Let me check your order.")
    assert answer.status_code == 200
    sent = server.platforms.to(TELEGRAM_API + "sendMessage")
    assert sent[0]["body"] == {"chat_id": "777", "text": "Hi, Sam here. Let me check your order."}


def test_a_staff_reply_reaches_the_slack_channel(server):
    event = slack_dm("a person please", "Ev_staff", channel="D0STAFF", user="U0SHOPPER")
    post_slack(server.url, json.dumps(event).encode())
    sender = server.received[0].sender_id
    server.platforms.calls.clear()
    assert staff_message(server, sender, "Sam here.").status_code == 200
    call = server.platforms.to("/chat.postMessage")[0]["body"]
    assert call["channel"] == "D0STAFF" and call["text"] == "Sam here."


def test_a_staff_reply_to_an_unknown_conversation_is_refused_and_sent_nowhere(server):
    assert staff_message(server, "no-such-conversation", "hello").status_code == 404
    assert server.platforms.calls == []


def test_a_staff_reply_reaches_the_messenger_chat(server):
    post_messenger(server.url, messenger_text("can I talk to someone?", "m_staff"))
    sender = server.received[0].sender_id
    server.platforms.calls.clear()
    assert staff_message(server, sender, "Sam here, how can I help?").status_code == 200
    call = server.platforms.to("/me/messages")[0]
    assert call["headers"]["Authorization"] == "Bearer page-token"
    assert call["body"]["recipient"] == {"id": "6543210"}
    assert call["body"]["message"] == {"text": "Sam here, how can I help?"}


def test_a_staff_reply_reaches_whatsapp_and_sms_from_the_shops_numbers(server):
    post_twilio(server.url, whatsapp("a person please", "SM" + "a" * 32))
    post_twilio(
        server.url,
        whatsapp("a person please", "SM" + "b" * 32, "+15557654321", To="+15550001111"),
    )
    whatsapp_sender, sms_sender = (m.sender_id for m in server.received)
    server.platforms.calls.clear()
    assert staff_message(server, whatsapp_sender, "Sam here (WhatsApp).").status_code == 200
    assert staff_message(server, sms_sender, "Sam here (SMS).").status_code == 200
    sent = [call["body"] for call in server.platforms.to(TWILIO_MESSAGES)]
    assert sent == [
        {
            "To": "whatsapp:+15557654321",
            "From": "whatsapp:+14155238886",
            "Body": "Sam here (WhatsApp).",
        },
        {"To": "+15557654321", "From": "+15550001111", "Body": "Sam here (SMS)."},
    ]
