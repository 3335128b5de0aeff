"""Conversations through the messaging channels with the trained bot and the real action server.

A second Rasa server (on the e2e bot's model, shop and index) runs with the four messaging
channels switched on by their settings; their API base URLs point at a fake platform API on
loopback that records what the bot sends. The webhook requests are the platforms' documented
payloads, signed as each platform documents (tests/helpers/platform_requests.py).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from bot.messaging.common import conversation_id
from shopdesk.serve import start_bot
from shopdesk.settings import get_settings
from shopdesk.training import latest_model
from tests.helpers.demo_shop import environment
from tests.helpers.fake_platforms import SECRETS, FakePlatforms, fake_platforms
from tests.helpers.platform_requests import (
    TELEGRAM_API,
    TWILIO_MESSAGES,
    messenger_event,
    messenger_text,
    post_messenger,
    post_slack,
    post_telegram,
    post_twilio,
    slack_dm,
    telegram_tap,
    telegram_text,
    twilio_signature,
    whatsapp,
)

TELEGRAM = TELEGRAM_API
TWILIO = TWILIO_MESSAGES


@dataclass
class MessagingBot:
    url: str
    token: str
    platforms: FakePlatforms

    def user_texts(self, sender: str) -> list[str]:
        """What the conversation's shopper said, as the tracker store holds it."""
        tracker = httpx.get(
            f"{self.url}/conversations/{sender}/tracker",
            params={"token": self.token},
            timeout=60,
        ).json()
        return [e.get("text") for e in tracker.get("events") or [] if e.get("event") == "user"]

    def staff_message(self, sender: str, text: str) -> httpx.Response:
        """A staff reply as the console sends it after taking the conversation over."""
        return httpx.post(
            f"{self.url}/webhooks/shopdesk/staff_message",
            json={"sender": sender, "text": text, "agent": "Sam", "kind": "message"},
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=60,
        )


@pytest.fixture(scope="module")
def messaging_bot(bot, free_port) -> Iterator[MessagingBot]:
    with fake_platforms() as platforms:
        overrides = {
            **SECRETS,
            "SHOPDESK_DATA_DIR": str(bot.settings.data_dir),
            "SHOPDESK_RASA_PORT": str(free_port()),
            "SHOPDESK_ACTION_PORT": str(free_port()),
            "SHOPDESK_SHOP_URL": "https://shop.example.com",
            "SHOPDESK_TELEGRAM_API_URL": platforms.url,
            "SHOPDESK_TWILIO_API_URL": platforms.url,
            "SHOPDESK_MESSENGER_API_URL": platforms.url,
            "SHOPDESK_SLACK_API_URL": platforms.url,
            "SHOPDESK_PUBLIC_URL": "",
        }
        with environment(overrides):
            settings = get_settings()
            model = latest_model(settings.rasa_model_dir)
            running = start_bot(settings, model, log_dir=settings.data_dir / "logs-messaging")
            try:
                yield MessagingBot(
                    f"http://127.0.0.1:{settings.rasa_port}", running.token, platforms
                )
            finally:
                running.stop()


def telegram(bot: MessagingBot, update: dict) -> httpx.Response:
    return post_telegram(bot.url, update)


def twilio(bot: MessagingBot, fields: dict[str, str], token: str | None = None) -> httpx.Response:
    """Post a message signed as Twilio documents it (a forged one: signed with ``token``)."""
    if token is None:
        return post_twilio(bot.url, fields)
    url = f"{bot.url}/webhooks/twilio/webhook"
    return post_twilio(bot.url, fields, signature=twilio_signature(url, fields, token))


def prices(texts: list[str]) -> list[float]:
    """The prices in product captions, texts or card subtitles ("$89.00")."""
    found = []
    for text in texts:
        match = re.search(r"\$([\d,]+\.\d\d)", text)
        if match:
            found.append(float(match.group(1).replace(",", "")))
    return found


def captions(calls: list[dict]) -> list[str]:
    return [call["body"].get("caption") or call["body"].get("text") or "" for call in calls]


# --- the conversations -------------------------------------------------------------


def test_telegram_shopper_gets_product_photos_and_more_like_this(messaging_bot):
    chat = 90001
    asked = telegram(
        messaging_bot, telegram_text("do you have running shoes under $100?", chat, 500001)
    )
    assert asked.status_code == 200
    photos = messaging_bot.platforms.to(TELEGRAM + "sendPhoto")
    assert photos, messaging_bot.platforms.calls
    assert prices(captions(photos)) and all(p <= 100 for p in prices(captions(photos)))
    row = photos[0]["body"]["reply_markup"]["inline_keyboard"][0]
    assert row[0]["text"] == "View" and row[0]["url"].startswith("https://shop.example.com/")
    more = row[1]
    assert more["text"] == "More like this" and len(more["callback_data"].encode()) <= 64
    title = photos[0]["body"]["caption"].splitlines()[0]

    messaging_bot.platforms.calls.clear()
    assert telegram(messaging_bot, telegram_tap(chat, more["callback_data"], 500002)).status_code
    assert messaging_bot.platforms.to(TELEGRAM + "answerCallbackQuery")
    assert messaging_bot.platforms.to(TELEGRAM + "sendPhoto"), messaging_bot.platforms.calls
    # The tap reached the bot as the button's whole payload (a long one travels as a key).
    sender = conversation_id("telegram", str(chat), SECRETS["SHOPDESK_TELEGRAM_SECRET"])
    assert messaging_bot.user_texts(sender)[-1] == f"something like the {title}"


def test_whatsapp_order_status_with_verification_and_a_forged_message(messaging_bot):
    asked = twilio(messaging_bot, whatsapp("where is my order 10002?", "SM" + "1" * 32))
    assert asked.status_code == 200
    question = messaging_bot.platforms.to(TWILIO)[-1]["body"]["Body"]
    assert "email" in question.lower() or "order number" in question.lower(), question
    sent_before = len(messaging_bot.platforms.to(TWILIO))
    twilio(messaging_bot, whatsapp("alex@example.com", "SM" + "2" * 32))
    answers = [call["body"] for call in messaging_bot.platforms.to(TWILIO)[sent_before:]]
    assert any("1Z999AA10123456784" in answer["Body"] for answer in answers), answers
    assert all(answer["To"] == "whatsapp:+15557654321" for answer in answers)

    messaging_bot.platforms.calls.clear()
    forger = "whatsapp:+15550009999"
    forged = twilio(messaging_bot, whatsapp("hi", "SM" + "3" * 32, sender=forger), token="guess")
    assert forged.status_code == 403
    assert messaging_bot.platforms.calls == []
    sender = conversation_id("twilio", forger, SECRETS["SHOPDESK_TWILIO_AUTH_TOKEN"])
    assert messaging_bot.user_texts(sender) == []


def test_messenger_carousel_of_at_most_ten_cards_and_a_redelivery_answered_once(messaging_bot):
    messaging_bot.platforms.calls.clear()
    body = messenger_text("do you have running shoes under $100?", "m_e2e_shoes", psid="7001")
    assert post_messenger(messaging_bot.url, body).status_code == 200
    sent = messaging_bot.platforms.to("/me/messages")
    carousels = [
        call["body"]["message"]["attachment"]["payload"]
        for call in sent
        if "attachment" in call["body"]["message"]
    ]
    assert carousels, sent
    assert all(c["template_type"] == "generic" and 1 <= len(c["elements"]) <= 10 for c in carousels)
    cards = carousels[0]["elements"]
    subtitles = [card["subtitle"] for card in cards]
    assert len(prices(subtitles)) == len(cards) and all(p <= 100 for p in prices(subtitles))
    assert all(card["buttons"][-1]["title"] == "More like this" for card in cards)
    assert all(call["body"]["recipient"] == {"id": "7001"} for call in sent)

    redelivered = post_messenger(messaging_bot.url, body)
    assert redelivered.status_code == 200
    assert len(messaging_bot.platforms.to("/me/messages")) == len(sent)
    sender = conversation_id("facebook", "7001", SECRETS["SHOPDESK_MESSENGER_APP_SECRET"])
    assert messaging_bot.user_texts(sender) == ["do you have running shoes under $100?"]


def test_slack_refuses_a_stale_timestamp_and_a_bad_signature_and_stores_nothing(messaging_bot):
    messaging_bot.platforms.calls.clear()
    raw = json.dumps(slack_dm("where is my order 10002?", "EvE2E1", user="U0REPLAY")).encode()
    stale = post_slack(messaging_bot.url, raw, stamp=int(time.time()) - 6 * 60)
    assert stale.status_code == 403 and "ago" in stale.json()["error"]
    forged = post_slack(messaging_bot.url, raw, signature="v0=" + "0" * 64)
    assert forged.status_code == 403
    unsigned = post_slack(messaging_bot.url, raw, signature=None)
    assert unsigned.status_code == 401
    assert messaging_bot.platforms.calls == []
    sender = conversation_id(
        "slack", "D024BE91L:U0REPLAY", SECRETS["SHOPDESK_SLACK_SIGNING_SECRET"]
    )
    assert messaging_bot.user_texts(sender) == []

    # The same message, signed now, is answered.
    assert post_slack(messaging_bot.url, raw).status_code == 200
    assert messaging_bot.platforms.to("/chat.postMessage")
    assert messaging_bot.user_texts(sender) == ["where is my order 10002?"]


def test_messages_the_bot_cannot_read_get_a_polite_answer(messaging_bot):
    messaging_bot.platforms.calls.clear()
    voice = telegram_text("", 90002, 500101)
    del voice["message"]["text"]
    voice["message"]["voice"] = {"file_id": "v1", "duration": 3, "mime_type": "audio/ogg"}
    assert telegram(messaging_bot, voice).status_code == 200
    sticker = messenger_event(
        {
            "mid": "m_e2e_sticker",
            "sticker_id": 369239263222822,
            "attachments": [{"type": "image", "payload": {"url": "https://x/s.png"}}],
        },
        psid="7002",
    )
    assert post_messenger(messaging_bot.url, sticker).status_code == 200
    location = whatsapp("", "SM" + "4" * 32, Latitude="37.78", Longitude="-122.39")
    assert twilio(messaging_bot, location).status_code == 200

    answers = [
        messaging_bot.platforms.to(TELEGRAM + "sendMessage")[0]["body"]["text"],
        messaging_bot.platforms.to("/me/messages")[0]["body"]["message"]["text"],
        messaging_bot.platforms.to(TWILIO)[0]["body"]["Body"],
    ]
    kinds = ["voice notes", "pictures or stickers", "locations"]
    for answer, kind in zip(answers, kinds, strict=True):
        assert f"can't read {kind}" in answer and "text messages and button taps" in answer
    senders = [
        conversation_id("telegram", "90002", SECRETS["SHOPDESK_TELEGRAM_SECRET"]),
        conversation_id("facebook", "7002", SECRETS["SHOPDESK_MESSENGER_APP_SECRET"]),
    ]
    assert all(messaging_bot.user_texts(sender) == [] for sender in senders)


def test_staff_replies_go_out_through_messenger_and_whatsapp(messaging_bot):
    assert (
        post_messenger(
            messaging_bot.url, messenger_text("I want to talk to a person", "m_e2e_staff", "7003")
        ).status_code
        == 200
    )
    assert (
        twilio(
            messaging_bot,
            whatsapp("I want to talk to a person", "SM" + "5" * 32, "whatsapp:+15550003333"),
        ).status_code
        == 200
    )
    messaging_bot.platforms.calls.clear()
    messenger_sender = conversation_id("facebook", "7003", SECRETS["SHOPDESK_MESSENGER_APP_SECRET"])
    whatsapp_sender = conversation_id(
        "twilio", "whatsapp:+15550003333", SECRETS["SHOPDESK_TWILIO_AUTH_TOKEN"]
    )
    assert messaging_bot.staff_message(messenger_sender, "Sam here.").status_code == 200
    assert messaging_bot.staff_message(whatsapp_sender, "Sam here too.").status_code == 200
    assert [c["body"] for c in messaging_bot.platforms.to("/me/messages")] == [
        {
            "recipient": {"id": "7003"},
            "messaging_type": "RESPONSE",
            "message": {"text": "Sam here."},
        }
    ]
    assert [c["body"] for c in messaging_bot.platforms.to(TWILIO)] == [
        {"To": "whatsapp:+15550003333", "From": "whatsapp:+14155238886", "Body": "Sam here too."}
    ]
