"""Webhook requests as the messaging platforms send them, for the channel tests.

The payloads follow each platform's documented format, and the signatures are computed here
with the documented algorithms (not with the code under test): Telegram's secret token
header, Twilio's base64 HMAC-SHA1 of the URL and the sorted fields, Meta's HMAC-SHA256 of the
body, Slack's HMAC-SHA256 of ``v0:<timestamp>:<body>``. Each ``post_*`` takes the base URL of
the server with the channels (the scripted one or the real Rasa server).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import httpx

from tests.helpers.fake_platforms import SECRETS

#: Seconds a webhook call may take: the real bot answers before the webhook returns.
TIMEOUT = 120
#: The Twilio Messages API path the replies go to (on the fake platforms).
TWILIO_MESSAGES = f"/2010-04-01/Accounts/{SECRETS['SHOPDESK_TWILIO_ACCOUNT_SID']}/Messages.json"
#: The Telegram Bot API prefix the replies go to (on the fake platforms).
TELEGRAM_API = f"/bot{SECRETS['SHOPDESK_TELEGRAM_TOKEN']}/"


# --- Telegram -----------------------------------------------------------------------------


def telegram_text(text: str, chat_id: int, update_id: int) -> dict:
    """An Update with a text Message."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": 7,
            "date": 1700000000,
            "from": {"id": chat_id, "is_bot": False, "first_name": "Ana"},
            "chat": {"id": chat_id, "type": "private", "first_name": "Ana"},
            "text": text,
        },
    }


def telegram_tap(chat_id: int, data: str, update_id: int) -> dict:
    """An Update with a CallbackQuery: the shopper tapped an inline button carrying ``data``."""
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"cbq-{update_id}",
            "from": {"id": chat_id, "is_bot": False, "first_name": "Ana"},
            "message": {"message_id": 9, "date": 1700000000, "chat": {"id": chat_id}},
            "chat_instance": "1",
            "data": data,
        },
    }


def post_telegram(
    base_url: str, update: dict, secret: str | None = SECRETS["SHOPDESK_TELEGRAM_SECRET"]
) -> httpx.Response:
    """Post an update with Telegram's secret token header (none when ``secret`` is None)."""
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    return httpx.post(
        f"{base_url}/webhooks/telegram/webhook", json=update, headers=headers, timeout=TIMEOUT
    )


# --- Twilio (WhatsApp and SMS) ------------------------------------------------------------


def whatsapp(
    body: str, sid: str, sender: str = "whatsapp:+15557654321", **extra: str
) -> dict[str, str]:
    """The fields of an incoming WhatsApp message (``From``/``To`` overridable for SMS)."""
    return {
        "MessageSid": sid,
        "AccountSid": SECRETS["SHOPDESK_TWILIO_ACCOUNT_SID"],
        "From": sender,
        "To": "whatsapp:+14155238886",
        "Body": body,
        "NumMedia": "0",
        **extra,
    }


def twilio_signature(
    url: str, fields: dict[str, str], token: str = SECRETS["SHOPDESK_TWILIO_AUTH_TOKEN"]
) -> str:
    """Twilio's signature: base64 HMAC-SHA1 of the URL and the sorted name/value pairs."""
    data = url + "".join(name + fields[name] for name in sorted(fields))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def post_twilio(
    base_url: str, fields: dict[str, str], signature: str | None = "sign"
) -> httpx.Response:
    """Post a form; ``"sign"`` signs it with the auth token, None sends no signature."""
    url = f"{base_url}/webhooks/twilio/webhook"
    headers = {}
    if signature == "sign":
        headers["X-Twilio-Signature"] = twilio_signature(url, fields)
    elif signature is not None:
        headers["X-Twilio-Signature"] = signature
    return httpx.post(url, data=fields, headers=headers, timeout=TIMEOUT)


# --- Messenger ----------------------------------------------------------------------------


def messenger_event(message: dict | None = None, psid: str = "6543210", **other: dict) -> dict:
    """A page webhook body with one messaging event (``message`` or e.g. ``postback=...``)."""
    item: dict = {"sender": {"id": psid}, "recipient": {"id": "111"}, "timestamp": 1700000000000}
    if message is not None:
        item["message"] = message
    item.update(other)
    return {"object": "page", "entry": [{"id": "111", "time": 1700000000000, "messaging": [item]}]}


def messenger_text(text: str, mid: str, psid: str = "6543210") -> dict:
    """A text message event."""
    return messenger_event({"mid": mid, "text": text}, psid=psid)


def messenger_signature(raw: bytes) -> str:
    """Meta's ``X-Hub-Signature-256``: ``sha256=`` and the HMAC-SHA256 of the body."""
    secret = SECRETS["SHOPDESK_MESSENGER_APP_SECRET"].encode()
    return "sha256=" + hmac.new(secret, raw, hashlib.sha256).hexdigest()


def post_messenger(base_url: str, body: dict, signature: str | None = "sign") -> httpx.Response:
    """Post a body; ``"sign"`` adds ``X-Hub-Signature-256`` under the app secret."""
    raw = json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if signature == "sign":
        headers["X-Hub-Signature-256"] = messenger_signature(raw)
    elif signature is not None:
        headers["X-Hub-Signature-256"] = signature
    return httpx.post(
        f"{base_url}/webhooks/facebook/webhook", content=raw, headers=headers, timeout=TIMEOUT
    )


# --- Slack --------------------------------------------------------------------------------


def slack_dm(
    text: str, event_id: str, channel: str = "D024BE91L", user: str = "U2147483697"
) -> dict:
    """An Events API callback with a direct message."""
    return {
        "token": "legacy",
        "team_id": "T1",
        "api_app_id": "A1",
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "event": {
            "type": "message",
            "channel_type": "im",
            "channel": channel,
            "user": user,
            "text": text,
            "ts": "1355517523.000005",
        },
    }


def slack_signature(stamp: int, raw: bytes) -> str:
    """Slack's ``X-Slack-Signature``: ``v0=`` and the HMAC-SHA256 of ``v0:<stamp>:<body>``."""
    secret = SECRETS["SHOPDESK_SLACK_SIGNING_SECRET"].encode()
    return "v0=" + hmac.new(secret, f"v0:{stamp}:".encode() + raw, hashlib.sha256).hexdigest()


def post_slack(
    base_url: str,
    raw: bytes,
    *,
    stamp: int | None = None,
    signature: str | None = "sign",
    content_type: str = "application/json",
    headers: dict | None = None,
) -> httpx.Response:
    """Post a raw body signed for ``stamp`` (now by default); None sends no signature."""
    stamp = int(time.time()) if stamp is None else stamp
    sent = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(stamp),
        **(headers or {}),
    }
    if signature == "sign":
        sent["X-Slack-Signature"] = slack_signature(stamp, raw)
    elif signature is not None:
        sent["X-Slack-Signature"] = signature
    return httpx.post(
        f"{base_url}/webhooks/slack/webhook", content=raw, headers=sent, timeout=TIMEOUT
    )
