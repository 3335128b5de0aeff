"""Bad input on every channel: 2xx with nothing done or a 4xx, never a 5xx, and a log line.

Malformed and wrongly shaped bodies, update kinds the bot has nothing to do with, huge
messages and bodies, and a bot that fails while handling a message (the platform gets its
acknowledgement, so it does not resend, and the message is not handled again).
"""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import httpx
import pytest

from tests.helpers.fake_platforms import SECRETS
from tests.helpers.platform_requests import (
    TWILIO_MESSAGES,
    messenger_event,
    messenger_text,
    post_messenger,
    post_slack,
    post_telegram,
    post_twilio,
    slack_dm,
    telegram_text,
    whatsapp,
)


def log_of(server, after: int) -> str:
    """What the server logged since ``after`` bytes (it writes from its own process)."""
    deadline = time.monotonic() + 5
    text = ""
    while time.monotonic() < deadline:
        text = server.log.read_bytes()[after:].decode("utf-8", "replace")
        if text:
            time.sleep(0.2)
            return server.log.read_bytes()[after:].decode("utf-8", "replace")
        time.sleep(0.1)
    return text


def log_size(server) -> int:
    return server.log.stat().st_size


def post_json(server, body: dict) -> httpx.Response:
    return post_slack(server.url, json.dumps(body).encode())


# --- a failure inside the bot -------------------------------------------------------------


def send_telegram(server, text: str, message_id: str) -> httpx.Response:
    return post_telegram(server.url, telegram_text(text, 4242, int(message_id)))


def send_twilio(server, text: str, message_id: str) -> httpx.Response:
    return post_twilio(server.url, whatsapp(text, f"SM{message_id:0>32}"))


def send_messenger(server, text: str, message_id: str) -> httpx.Response:
    return post_messenger(server.url, messenger_text(text, f"m_{message_id}"))


def send_slack(server, text: str, message_id: str) -> httpx.Response:
    return post_slack(server.url, json.dumps(slack_dm(text, f"Ev{message_id}")).encode())


SENDERS = {
    "telegram": send_telegram,
    "twilio": send_twilio,
    "facebook": send_messenger,
    "slack": send_slack,
}


@pytest.mark.parametrize("channel", sorted(SENDERS))
def test_a_failure_inside_the_bot_is_acknowledged_once_and_logged(server, channel):
    send = SENDERS[channel]
    message_id = str(770000 + sorted(SENDERS).index(channel))
    before = log_size(server)
    first = send(server, "explode", message_id)
    assert first.status_code == 200, first.text
    if channel == "twilio":
        assert "<Response>" in first.text  # the ack Twilio expects
    resent = send(server, "explode", message_id)
    assert resent.status_code == 200
    assert [m.text for m in server.received] == ["explode"]  # not handled again
    log = log_of(server, before)
    assert f"{channel} message" in log and "failed inside the bot" in log, log
    assert "the scripted bot failed on purpose" in log


# --- wrongly shaped bodies ------------------------------------------------------------------


def test_telegram_fields_of_the_wrong_type_are_400(server):
    before = log_size(server)
    tap = {"update_id": 990001, "callback_query": {"id": "1", "message": "not an object"}}
    assert post_telegram(server.url, tap).status_code == 400
    message = {"update_id": 990002, "message": {"chat": "4242", "text": "hi"}}
    assert post_telegram(server.url, message).status_code == 400
    assert server.received == [] and server.platforms.calls == []
    assert "telegram webhook: malformed body" in log_of(server, before)


def test_messenger_fields_of_the_wrong_type_are_400(server):
    before = log_size(server)
    body = messenger_text("hi", "m_shape_1")
    body["entry"][0]["messaging"][0]["sender"] = "6543210"
    assert post_messenger(server.url, body).status_code == 400
    entries = {"object": "page", "entry": [{"id": "111", "messaging": {"sender": "x"}}]}
    assert post_messenger(server.url, entries).status_code == 400
    assert server.received == [] and server.platforms.calls == []
    assert "facebook webhook: malformed body" in log_of(server, before)


def test_slack_fields_of_the_wrong_type_are_400(server):
    before = log_size(server)
    payload = {
        "type": "block_actions",
        "user": "U2147483697",
        "channel": {"id": "D024BE91L"},
        "actions": [{"value": "/affirm", "action_ts": "1.1"}],
    }
    raw = urlencode({"payload": json.dumps(payload)}).encode()
    answer = post_slack(server.url, raw, content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 400
    assert post_slack(server.url, b"[1, 2]").status_code == 400
    assert server.received == [] and server.platforms.calls == []
    assert "slack webhook: malformed body" in log_of(server, before)


# --- update kinds the bot has nothing to do with ----------------------------------------------


def test_unknown_messenger_events_do_nothing(server):
    before = log_size(server)
    reaction = messenger_event(reaction={"mid": "m_1", "action": "react", "emoji": "👍"})
    assert post_messenger(server.url, reaction).status_code == 200
    optin = messenger_event(optin={"ref": "shop"})
    assert post_messenger(server.url, optin).status_code == 200
    assert server.received == [] and server.platforms.calls == []
    assert "Messenger event without a message (sender, recipient, timestamp, reaction)" in (
        log_of(server, before)
    )


def test_unknown_slack_events_and_requests_do_nothing(server):
    before = log_size(server)
    reaction = slack_dm("", "Ev_reaction")
    reaction["event"] = {"type": "reaction_added", "user": "U1", "reaction": "thumbsup"}
    assert post_json(server, reaction).status_code == 200
    limited = {"token": "x", "type": "app_rate_limited", "minute_rate_limited": 1518467820}
    assert post_json(server, limited).status_code == 200
    assert server.received == [] and server.platforms.calls == []
    log = log_of(server, before)
    assert (
        "Slack reaction_added event Ev" in log and "Slack request of type 'app_rate_limited'" in log
    )


def test_twilio_delivery_receipts_do_nothing(server):
    before = log_size(server)
    receipt = {
        "MessageSid": "SM" + "d" * 32,
        "MessageStatus": "delivered",
        "SmsStatus": "delivered",
        "AccountSid": SECRETS["SHOPDESK_TWILIO_ACCOUNT_SID"],
        "From": "whatsapp:+14155238886",
        "To": "whatsapp:+15557654321",
        "ApiVersion": "2010-04-01",
    }
    assert post_twilio(server.url, receipt).status_code == 200
    assert server.received == [] and server.platforms.calls == []
    assert "Twilio status callback (delivered)" in log_of(server, before)


# --- huge messages and bodies ----------------------------------------------------------------


def test_huge_messages_are_answered_without_reaching_the_bot(server):
    before = log_size(server)
    assert post_twilio(server.url, whatsapp("a" * 1500, "SM" + "e" * 32)).status_code == 200
    assert post_messenger(server.url, messenger_text("b" * 1500, "m_huge")).status_code == 200
    assert post_json(server, slack_dm("c" * 1500, "Ev_huge")).status_code == 200
    assert server.received == []
    answers = [
        server.platforms.to(TWILIO_MESSAGES)[0]["body"]["Body"],
        server.platforms.to("/me/messages")[0]["body"]["message"]["text"],
        server.platforms.to("/chat.postMessage")[0]["body"]["blocks"][0]["text"]["text"],
    ]
    assert all("1,500 characters" in a and "at most 500" in a for a in answers), answers
    log = log_of(server, before)
    for channel in ("twilio", "facebook", "slack"):
        assert f"{channel}: message of 1500 characters" in log


@pytest.mark.parametrize("channel", ["telegram", "twilio", "facebook", "slack"])
def test_bodies_over_256_kb_are_413(server, channel):
    answer = httpx.post(
        f"{server.url}/webhooks/{channel}/webhook",
        content=b"x" * 300_000,
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 413
    assert server.received == [] and server.platforms.calls == []
