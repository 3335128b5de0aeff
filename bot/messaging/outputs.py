"""The output channel of a conversation's messaging platform, for messages sent outside a
shopper's request (staff replies after a handoff)."""

from __future__ import annotations

from collections.abc import Callable

from bot.messaging.common import PlatformOutput
from bot.messaging.messenger import MessengerShopOutput
from bot.messaging.slack import SlackShopOutput
from bot.messaging.telegram import TelegramShopOutput
from bot.messaging.twilio import TwilioShopOutput
from shopdesk.settings import Settings, get_settings


def messaging_output(
    input_channel: str | None, settings: Settings | None = None
) -> PlatformOutput | None:
    """The output of the messaging channel named ``input_channel`` (as Rasa records it on
    the conversation's messages), or None when it is not a messaging channel that is on."""
    current = settings or get_settings()
    outputs: dict[str, tuple[str, Callable[[], PlatformOutput]]] = {
        "telegram": (
            "telegram",
            lambda: TelegramShopOutput(current.telegram_token, current.telegram_api_url),
        ),
        "twilio": ("twilio", lambda: TwilioShopOutput(current)),
        "facebook": (
            "messenger",
            lambda: MessengerShopOutput(current.messenger_page_token, current.messenger_api_url),
        ),
        "slack": ("slack", lambda: SlackShopOutput(current.slack_bot_token, current.slack_api_url)),
    }
    if input_channel not in outputs:
        return None
    settings_key, build = outputs[input_channel]
    return None if current.missing_channel_settings(settings_key) else build()
