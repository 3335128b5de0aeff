"""Conversations through the messaging channels with the trained bot and the real action server.

A second Rasa server (on the e2e bot's model, shop and index) runs with the Telegram and
Twilio channels switched on by their settings; their API base URLs point at a fake platform
API on loopback that records what the bot sends.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from bot.messaging.common import conversation_id
from shopdesk.serve import start_bot
from shopdesk.settings import get_settings
from tests.helpers.fake_platforms import SECRETS, FakePlatforms, fake_platforms

TELEGRAM = f"/bot{SECRETS['SHOPDESK_TELEGRAM_TOKEN']}/"
TWILIO = f"/2010-04-01/Accounts/{SECRETS['SHOPDESK_TWILIO_ACCOUNT_SID']}/Messages.json"


@dataclass
class MessagingBot:
    url: str
    token: str
    platforms: FakePlatforms


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
            "SHOPDESK_PUBLIC_URL": "",
        }
        saved = {name: os.environ.get(name) for name in overrides}
        os.environ.update(overrides)
        # Only Telegram and Twilio are on: the others' settings stay unset.
        for name in ("MESSENGER_PAGE_TOKEN", "SLACK_BOT_TOKEN"):
            saved.setdefault(f"SHOPDESK_{name}", os.environ.pop(f"SHOPDESK_{name}", None))
        settings = get_settings()
        model = max(settings.rasa_model_dir.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
        running = start_bot(settings, model, log_dir=settings.data_dir / "logs-messaging")
        try:
            yield MessagingBot(f"http://127.0.0.1:{settings.rasa_port}", running.token, platforms)
        finally:
            running.stop()
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def telegram(bot: MessagingBot, update: dict) -> httpx.Response:
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRETS["SHOPDESK_TELEGRAM_SECRET"]}
    return httpx.post(
        f"{bot.url}/webhooks/telegram/webhook", json=update, headers=headers, timeout=120
    )


def twilio(bot: MessagingBot, fields: dict[str, str], token: str | None = None) -> httpx.Response:
    """Post a message signed as Twilio documents it (HMAC-SHA1 of URL + sorted fields)."""
    url = f"{bot.url}/webhooks/twilio/webhook"
    data = url + "".join(name + fields[name] for name in sorted(fields))
    key = (token or SECRETS["SHOPDESK_TWILIO_AUTH_TOKEN"]).encode()
    signature = base64.b64encode(hmac.new(key, data.encode(), hashlib.sha1).digest()).decode()
    return httpx.post(url, data=fields, headers={"X-Twilio-Signature": signature}, timeout=120)


def whatsapp(sid: str, body: str, sender: str = "whatsapp:+15557654321") -> dict[str, str]:
    return {
        "MessageSid": sid,
        "AccountSid": SECRETS["SHOPDESK_TWILIO_ACCOUNT_SID"],
        "From": sender,
        "To": "whatsapp:+14155238886",
        "Body": body,
        "NumMedia": "0",
    }


def prices(calls: list[dict]) -> list[float]:
    """The prices in the product captions/texts Telegram received."""
    found = []
    for call in calls:
        text = call["body"].get("caption") or call["body"].get("text") or ""
        match = re.search(r"\n\$([\d,]+\.\d\d)", text)
        if match:
            found.append(float(match.group(1).replace(",", "")))
    return found


def test_telegram_shopper_gets_product_photos_and_more_like_this(messaging_bot):
    chat = {"id": 90001, "type": "private", "first_name": "Ana"}
    update = {
        "update_id": 500001,
        "message": {
            "message_id": 1,
            "date": 1700000000,
            "chat": chat,
            "text": "do you have running shoes under $100?",
        },
    }
    assert telegram(messaging_bot, update).status_code == 200
    photos = messaging_bot.platforms.to(TELEGRAM + "sendPhoto")
    assert photos, messaging_bot.platforms.calls
    assert all(price <= 100 for price in prices(photos)) and prices(photos)
    row = photos[0]["body"]["reply_markup"]["inline_keyboard"][0]
    assert row[0]["text"] == "View" and row[0]["url"].startswith("https://shop.example.com/")
    more = row[1]
    assert more["text"] == "More like this"

    messaging_bot.platforms.calls.clear()
    tap = {
        "update_id": 500002,
        "callback_query": {
            "id": "cb-1",
            "from": {"id": 90001, "is_bot": False, "first_name": "A"},
            "message": {"message_id": 2, "date": 1700000000, "chat": chat},
            "chat_instance": "1",
            "data": more["callback_data"],
        },
    }
    assert telegram(messaging_bot, tap).status_code == 200
    assert messaging_bot.platforms.to(TELEGRAM + "answerCallbackQuery")
    assert messaging_bot.platforms.to(TELEGRAM + "sendPhoto"), messaging_bot.platforms.calls


def test_whatsapp_order_status_with_verification_and_a_forged_message(messaging_bot):
    asked = twilio(messaging_bot, whatsapp("SM" + "1" * 32, "where is my order 10002?"))
    assert asked.status_code == 200
    question = messaging_bot.platforms.to(TWILIO)[-1]["body"]["Body"]
    assert "email" in question.lower() or "order number" in question.lower(), question
    sent_before = len(messaging_bot.platforms.to(TWILIO))
    twilio(messaging_bot, whatsapp("SM" + "2" * 32, "alex@example.com"))
    answers = [call["body"] for call in messaging_bot.platforms.to(TWILIO)[sent_before:]]
    assert any("1Z999AA10123456784" in answer["Body"] for answer in answers), answers
    assert all(answer["To"] == "whatsapp:+15557654321" for answer in answers)

    messaging_bot.platforms.calls.clear()
    forger = "whatsapp:+15550009999"
    forged = twilio(messaging_bot, whatsapp("SM" + "3" * 32, "hi", sender=forger), token="guess")
    assert forged.status_code == 403
    assert messaging_bot.platforms.calls == []
    sender = conversation_id("twilio", forger, SECRETS["SHOPDESK_TWILIO_AUTH_TOKEN"])
    tracker = httpx.get(
        f"{messaging_bot.url}/conversations/{sender}/tracker",
        params={"token": messaging_bot.token},
        timeout=60,
    ).json()
    assert not [e for e in tracker.get("events", []) if e.get("event") == "user"]
