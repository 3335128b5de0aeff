"""The output channel of a conversation's messaging platform, for messages sent outside a
shopper's request (staff replies after a handoff)."""

from __future__ import annotations

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
    settings = settings or get_settings()
    if input_channel == "telegram" and settings.telegram_token:
        return TelegramShopOutput(settings.telegram_token, settings.telegram_api_url)
    if input_channel == "twilio" and settings.twilio_auth_token:
        return TwilioShopOutput(settings)
    if input_channel == "facebook" and settings.messenger_page_token:
        return MessengerShopOutput(settings.messenger_page_token, settings.messenger_api_url)
    if input_channel == "slack" and settings.slack_bot_token:
        return SlackShopOutput(settings.slack_bot_token, settings.slack_api_url)
    return None
