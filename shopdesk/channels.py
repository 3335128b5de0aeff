"""Which messaging channels are on, the credentials file Rasa reads, webhook registration.

A messaging channel is on when its settings are set (``SHOPDESK_TELEGRAM_TOKEN``, ...). The
Rasa server reads ``<data dir>/credentials.yml``, written from the settings at every start
(and by ``shopdesk channels enable``): the shipped channels (REST, widget) plus each channel
that is on, by class path only. The file holds no secrets: the channels read them from the
settings when the server starts, so nothing secret is written or printed.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from base64 import b64encode
from dataclasses import dataclass
from pathlib import Path

import yaml

from shopdesk.secrets import telegram_secret
from shopdesk.settings import CHANNEL_SETTINGS, PROJECT_ROOT, Settings, SettingsError

SHIPPED_CREDENTIALS = PROJECT_ROOT / "bot" / "credentials.yml"
TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class MessagingChannel:
    """A messaging platform: its channel class, the settings it needs, its webhook path."""

    name: str
    title: str
    class_path: str
    rasa_name: str

    @property
    def required(self) -> tuple[str, ...]:
        """The ``SHOPDESK_*`` variables the channel cannot start without."""
        return CHANNEL_SETTINGS[self.name]

    @property
    def webhook_path(self) -> str:
        """Path of the webhook on the Rasa server."""
        return f"/webhooks/{self.rasa_name}/webhook"

    def missing(self, settings: Settings) -> list[str]:
        """The required ``SHOPDESK_*`` variables that are not set."""
        return settings.missing_channel_settings(self.name)


CHANNELS = {
    channel.name: channel
    for channel in (
        MessagingChannel(
            "telegram",
            "Telegram",
            "bot.messaging.telegram.TelegramShopInput",
            "telegram",
        ),
        MessagingChannel(
            "twilio",
            "WhatsApp and SMS (Twilio)",
            "bot.messaging.twilio.TwilioShopInput",
            "twilio",
        ),
        MessagingChannel(
            "messenger",
            "Facebook Messenger",
            "bot.messaging.messenger.MessengerShopInput",
            "facebook",
        ),
        MessagingChannel(
            "slack",
            "Slack",
            "bot.messaging.slack.SlackShopInput",
            "slack",
        ),
    )
}
ALIASES = {"whatsapp": "twilio", "sms": "twilio", "facebook": "messenger"}


def channel_named(name: str) -> MessagingChannel:
    """The channel called ``name`` (or an alias: whatsapp, sms, facebook)."""
    key = ALIASES.get(name.lower(), name.lower())
    if key not in CHANNELS:
        choices = ", ".join([*CHANNELS, *ALIASES])
        raise SettingsError(f"There is no messaging channel {name!r}; choose one of {choices}.")
    return CHANNELS[key]


def credentials_path(settings: Settings) -> Path:
    """The credentials file the Rasa server reads."""
    return settings.data_dir / "credentials.yml"


def write_credentials(settings: Settings) -> Path:
    """Write the credentials file: the shipped channels plus every messaging channel that is on."""
    credentials = yaml.safe_load(SHIPPED_CREDENTIALS.read_text()) or {}
    for channel in CHANNELS.values():
        if not channel.missing(settings):
            credentials[channel.class_path] = {}
    path = credentials_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "# Written by shopdesk from its settings at every start: edit the settings, not this.\n"
        + yaml.safe_dump(credentials, sort_keys=False)
    )
    return path


def webhook_url(settings: Settings, channel: MessagingChannel) -> str:
    """The public address of the channel's webhook, or "" without ``SHOPDESK_PUBLIC_URL``."""
    return f"{settings.public_url}{channel.webhook_path}" if settings.public_url else ""


def _call(url: str, data: dict | None = None, auth: tuple[str, str] | None = None) -> dict:
    """A JSON API call (POST with ``data`` as JSON); :class:`SettingsError` when it fails."""
    request = urllib.request.Request(url)
    if data is not None:
        request.data = json.dumps(data).encode()
        request.add_header("Content-Type", "application/json")
    if auth:
        request.add_header("Authorization", "Basic " + b64encode(":".join(auth).encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:
            return json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as error:
        detail = error.read()[:300].decode("utf-8", "replace")
        raise SettingsError(
            f"The platform refused the call (HTTP {error.code}): {detail}"
        ) from error
    except (urllib.error.URLError, TimeoutError, ValueError) as error:
        raise SettingsError(f"The platform could not be reached: {error}") from error


def _telegram(settings: Settings, method: str, data: dict | None = None) -> dict:
    base = settings.telegram_api_url.rstrip("/")
    return _call(f"{base}/bot{settings.telegram_token}/{method}", data)


def register_webhook(settings: Settings, channel: MessagingChannel) -> str:
    """Register the webhook where the platform's API allows it; a sentence saying what was done.

    Telegram's is registered with ``setWebhook`` (with the secret token); the others are
    entered in the platform's console (docs/channels.md), so the sentence says what to enter.
    """
    url = webhook_url(settings, channel)
    if not url:
        return (
            "Set SHOPDESK_PUBLIC_URL to the server's public https address to register the "
            f"webhook; it will be <SHOPDESK_PUBLIC_URL>{channel.webhook_path}."
        )
    if channel.name == "telegram":
        answer = _telegram(
            settings,
            "setWebhook",
            {
                "url": url,
                "secret_token": telegram_secret(settings),
                "allowed_updates": ["message", "edited_message", "callback_query"],
                "drop_pending_updates": False,
            },
        )
        if not answer.get("ok"):
            raise SettingsError(f"Telegram refused the webhook: {answer.get('description')}")
        return f"Registered the Telegram webhook {url}."
    where = {
        "twilio": "in Twilio's console, as the number's 'A message comes in' webhook (HTTP POST)",
        "messenger": (
            "in Meta's app dashboard (Messenger > Webhooks) as callback URL, with "
            "SHOPDESK_MESSENGER_VERIFY_TOKEN as verify token"
        ),
        "slack": "in the Slack app's Event Subscriptions and Interactivity request URLs",
    }[channel.name]
    return f"Enter {url} {where}."


def webhook_state(settings: Settings, channel: MessagingChannel) -> str:
    """Whether the platform sends to this server's webhook, as far as its API tells."""
    expected = webhook_url(settings, channel)
    try:
        if channel.name == "telegram":
            info = _telegram(settings, "getWebhookInfo").get("result") or {}
            registered = info.get("url") or ""
            if not registered:
                return "not registered (run `shopdesk channels enable telegram`)"
            error = info.get("last_error_message")
            state = (
                "registered" if registered == expected else f"registered elsewhere: {registered}"
            )
            return f"{state}; last error: {error}" if error else state
        if channel.name == "twilio":
            query = urllib.parse.urlencode({"PhoneNumber": settings.twilio_number})
            answer = _call(
                f"{settings.twilio_api_url.rstrip('/')}/2010-04-01/Accounts/"
                f"{settings.twilio_account_sid}/IncomingPhoneNumbers.json?{query}",
                auth=(settings.twilio_account_sid, settings.twilio_auth_token),
            )
            numbers = answer.get("incoming_phone_numbers") or []
            if not numbers:
                return f"{settings.twilio_number} is not a number of this Twilio account"
            registered = numbers[0].get("sms_url") or ""
            if registered == expected:
                return "registered (SMS; check the WhatsApp sender's webhook in Twilio's console)"
            return f"the number sends to {registered or 'no webhook'}"
    except SettingsError as error:
        return f"unknown: {error}"
    return "set in the platform's console (its API cannot tell)"


@dataclass(frozen=True)
class ChannelStatus:
    """One line of ``shopdesk channels status``."""

    channel: MessagingChannel
    missing: list[str]
    webhook: str

    @property
    def on(self) -> bool:
        """Whether the server serves the channel (all its settings are set)."""
        return not self.missing


def channel_status(settings: Settings) -> list[ChannelStatus]:
    """Each channel: on or off (and what is missing), and the state of its webhook."""
    rows = []
    for channel in CHANNELS.values():
        missing = channel.missing(settings)
        webhook = webhook_state(settings, channel) if not missing else "-"
        rows.append(ChannelStatus(channel, missing, webhook))
    return rows


def enable_channel(settings: Settings, name: str) -> tuple[Path, str]:
    """Check the channel's settings, write the credentials file, register the webhook."""
    channel = channel_named(name)
    missing = channel.missing(settings)
    if missing:
        raise SettingsError(
            f"{channel.title} needs {', '.join(missing)}: set them in the server's environment "
            "(where to find each: docs/channels.md), then run this again."
        )
    return write_credentials(settings), register_webhook(settings, channel)
