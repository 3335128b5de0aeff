"""Staff replies after a handoff go out through the conversation's messaging app."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import httpx

from tests.bot.messaging import test_messenger as messenger
from tests.bot.messaging import test_twilio as twilio
from tests.helpers.fake_platforms import SECRETS

STAFF_URL = "/webhooks/shopdesk/staff_message"
AUTH = {"Authorization": f"Bearer {SECRETS['SHOPDESK_API_TOKEN']}"}


def staff_message(server, sender: str, text: str) -> httpx.Response:
    body = {"sender": sender, "text": text, "agent": "Sam", "kind": "message"}
    return httpx.post(f"{server.url}{STAFF_URL}", json=body, headers=AUTH)


def test_a_staff_reply_reaches_the_telegram_chat(server):
    update = {
        "update_id": 880001,
        "message": {
            "message_id": 1,
            "date": 1700000000,
            "chat": {"id": 777, "type": "private"},
            "text": "I want to talk to a person",
        },
    }
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRETS["SHOPDESK_TELEGRAM_SECRET"]}
    httpx.post(f"{server.url}/webhooks/telegram/webhook", json=update, headers=headers)
    sender = server.received[0].sender_id
    server.platforms.calls.clear()
    answer = staff_message(server, sender, "Hi, Sam here. Let me check your order.")
    assert answer.status_code == 200
    sent = server.platforms.to(f"/bot{SECRETS['SHOPDESK_TELEGRAM_TOKEN']}/sendMessage")
    assert sent[0]["body"] == {"chat_id": "777", "text": "Hi, Sam here. Let me check your order."}


def test_a_staff_reply_reaches_the_slack_channel(server):
    event = {
        "type": "event_callback",
        "event_id": "Ev_staff",
        "event": {
            "type": "message",
            "channel_type": "im",
            "channel": "D0STAFF",
            "user": "U0SHOPPER",
            "text": "a person please",
        },
    }
    raw, stamp = json.dumps(event).encode(), str(int(time.time()))
    signature = (
        "v0="
        + hmac.new(
            SECRETS["SHOPDESK_SLACK_SIGNING_SECRET"].encode(),
            f"v0:{stamp}:".encode() + raw,
            hashlib.sha256,
        ).hexdigest()
    )
    httpx.post(
        f"{server.url}/webhooks/slack/webhook",
        content=raw,
        headers={
            "Content-Type": "application/json",
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature,
        },
    )
    sender = server.received[0].sender_id
    server.platforms.calls.clear()
    assert staff_message(server, sender, "Sam here.").status_code == 200
    call = server.platforms.to("/chat.postMessage")[0]["body"]
    assert call["channel"] == "D0STAFF" and call["text"] == "Sam here."


def test_a_staff_reply_to_an_unknown_conversation_is_refused_and_sent_nowhere(server):
    assert staff_message(server, "no-such-conversation", "hello").status_code == 404
    assert server.platforms.calls == []


def test_a_staff_reply_reaches_the_messenger_chat(server):
    messenger.post(server, messenger.text("can I talk to someone?"))
    sender = server.received[0].sender_id
    server.platforms.calls.clear()
    assert staff_message(server, sender, "Sam here, how can I help?").status_code == 200
    call = server.platforms.to("/me/messages")[0]
    assert call["headers"]["Authorization"] == "Bearer page-token"
    assert call["body"]["recipient"] == {"id": "6543210"}
    assert call["body"]["message"] == {"text": "Sam here, how can I help?"}


def test_a_staff_reply_reaches_whatsapp_and_sms_from_the_shops_numbers(server):
    twilio.post(server, twilio.whatsapp("a person please"))
    twilio.post(server, twilio.whatsapp("a person please", From="+15557654321", To="+15550001111"))
    whatsapp_sender, sms_sender = (m.sender_id for m in server.received)
    server.platforms.calls.clear()
    assert staff_message(server, whatsapp_sender, "Sam here (WhatsApp).").status_code == 200
    assert staff_message(server, sms_sender, "Sam here (SMS).").status_code == 200
    sent = [call["body"] for call in server.platforms.to(twilio.MESSAGES)]
    assert sent == [
        {
            "To": "whatsapp:+15557654321",
            "From": "whatsapp:+14155238886",
            "Body": "Sam here (WhatsApp).",
        },
        {"To": "+15557654321", "From": "+15550001111", "Body": "Sam here (SMS)."},
    ]
