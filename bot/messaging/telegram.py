"""Telegram: the webhook checks Telegram's secret token; replies as photos with inline keyboards.

Rasa's ``TelegramInput`` accepts any POST (it checks no secret, only that ``getMe`` names the
configured bot, which it calls on every update), registers its webhook when the server starts,
and sends plain text. This channel instead

* refuses an update without Telegram's ``X-Telegram-Bot-Api-Secret-Token`` header (401) or
  with another value (403); the secret is given to Telegram by ``setWebhook``
  (``shopdesk channels enable telegram``);
* answers a redelivered ``update_id`` once; ignores edited messages and update kinds the bot
  has nothing to do with; answers stickers, voice notes, photos and locations with what the
  bot can read;
* renders product lists as one photo per product with its price and an inline keyboard
  ("View", "More like this"), buttons as an inline keyboard whose tap arrives as the
  button's payload (a payload over ``callback_data``'s 64 bytes travels as a short key,
  mapped back from the conversation), and splits texts at Telegram's 4,096 characters.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from rasa.core.channels.telegram import TelegramInput
from rasa.shared.core.events import BotUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import WebhookError
from bot.messaging.common import (
    Button,
    Incoming,
    PlatformError,
    PlatformOutput,
    ProductCard,
    Refused,
    Reply,
    SecuredWebhook,
    address_of,
    call_api,
    conversation_id,
    json_body,
    public_link,
    reply_from_message,
    same_secret,
    shorten,
    split_text,
    stored_tracker,
)
from shopdesk.secrets import telegram_secret
from shopdesk.settings import Settings

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_BYTES = 64
#: Message fields the bot cannot read, in the words of its answer.
UNREADABLE = {
    "sticker": "stickers",
    "voice": "voice notes",
    "audio": "audio",
    "video_note": "video messages",
    "video": "videos",
    "animation": "GIFs",
    "photo": "photos",
    "document": "files",
    "location": "locations",
    "venue": "locations",
    "contact": "contacts",
    "poll": "polls",
    "dice": "dice",
}
#: Telegram's commands, as the bot understands them (other commands lose their slash).
COMMANDS = {"/start": "hi", "/help": "what can you do?"}


#: Starts the ``callback_data`` that stands for a payload longer than 64 bytes.
KEY_PREFIX = "~key:"
#: How many of the conversation's latest bot messages a tapped key is looked up in.
KEY_LOOKBACK_MESSAGES = 100
EXPIRED_BUTTON_REPLY = (
    "Sorry, that button belongs to an older message I no longer have. "
    "Please type what you are looking for."
)


def payload_key(payload: str) -> str:
    """The short ``callback_data`` of a long payload: 128 bits of its SHA-256 (37 bytes)."""
    return KEY_PREFIX + hashlib.sha256(payload.encode()).hexdigest()[:32]


def callback_data(button: Button) -> str:
    """The button's payload as Telegram's ``callback_data`` (at most 64 bytes).

    A payload that fits is sent as it is; a longer one as :func:`payload_key`, which the
    webhook maps back to the payload from the conversation's bot messages (see
    :func:`payload_of_key`). Cutting the payload would change what the tap says.
    """
    payload = button.payload
    if len(payload.encode()) <= CALLBACK_DATA_BYTES and not payload.startswith(KEY_PREFIX):
        return payload
    return payload_key(payload)


def payload_of_key(key: str, tracker: DialogueStateTracker | None) -> str:
    """The payload of a button shown in the conversation whose :func:`payload_key` is ``key``,
    or "" when none of its latest bot messages has it.

    The conversation's tracker is the lookup table: it is in the tracker store every worker
    shares and that outlives a restart, and it holds exactly the buttons the shopper saw, so
    nothing else needs storing or expiring.
    """
    if tracker is None:
        return ""
    bot_messages = [e for e in reversed(tracker.events) if isinstance(e, BotUttered)]
    for event in bot_messages[:KEY_LOOKBACK_MESSAGES]:
        reply = reply_from_message({**event.data, "text": event.text})
        buttons = [*reply.buttons, *(p.more_like_this for p in reply.products)]
        for button in buttons:
            if payload_key(button.payload) == key:
                return button.payload
    return ""


def typed_text(text: str) -> str:
    """A typed message as the bot reads it: commands mapped, no Rasa intent syntax."""
    command = text.split(maxsplit=1)[0].split("@")[0] if text.strip() else ""
    if command in COMMANDS:
        return COMMANDS[command]
    return text.lstrip("/") if text.startswith("/") else text


class TelegramShopOutput(PlatformOutput):
    """Sends replies through the Bot API (``sendMessage``, ``sendPhoto``)."""

    def __init__(self, token: str, api_url: str) -> None:
        self.base = f"{api_url.rstrip('/')}/bot{token}/"

    @classmethod
    def name(cls) -> str:
        return "telegram"

    async def call(self, method: str, payload: dict[str, Any]) -> Any:
        """One Bot API call; :class:`PlatformError` with Telegram's description when refused."""
        answer = await call_api("POST", self.base + method, json=payload)
        if not isinstance(answer, dict) or not answer.get("ok"):
            description = answer.get("description") if isinstance(answer, dict) else answer
            raise PlatformError(f"Telegram {method}: {description}")
        return answer.get("result")

    async def send_reply(self, recipient_id: str, reply: Reply) -> None:
        """Text (with the buttons under its last part), product photos, then an image."""
        chat_id = address_of(recipient_id)
        pieces = split_text(reply.intro, TEXT_LIMIT)
        for number, piece in enumerate(pieces, start=1):
            payload: dict[str, Any] = {"chat_id": chat_id, "text": piece}
            if number == len(pieces) and reply.buttons:
                payload["reply_markup"] = {
                    "inline_keyboard": [
                        [{"text": b.title[:64], "callback_data": callback_data(b)}]
                        for b in reply.buttons
                    ]
                }
            await self.call("sendMessage", payload)
        for product in reply.products:
            await self.send_product(chat_id, product)
        if reply.image:
            await self.call("sendPhoto", {"chat_id": chat_id, "photo": reply.image})

    async def send_product(self, chat_id: str, product: ProductCard) -> None:
        """A photo with the title and price as caption and an inline keyboard."""
        row = []
        if public_link(product.url):
            row.append({"text": "View", "url": product.url})
        more = product.more_like_this
        row.append({"text": more.title, "callback_data": callback_data(more)})
        caption = shorten(f"{product.title}\n{product.subtitle}", CAPTION_LIMIT)
        markup = {"inline_keyboard": [row]}
        if public_link(product.image_url):
            try:
                await self.call(
                    "sendPhoto",
                    {
                        "chat_id": chat_id,
                        "photo": product.image_url,
                        "caption": caption,
                        "reply_markup": markup,
                    },
                )
                return
            except PlatformError as error:
                logger.info("Photo of %s not sent (%s); sent as text.", product.title, error)
        await self.call(
            "sendMessage", {"chat_id": chat_id, "text": caption, "reply_markup": markup}
        )

    async def answer_button(self, callback_query_id: str) -> None:
        """Stops the spinner Telegram shows on a tapped inline button."""
        try:
            await self.call("answerCallbackQuery", {"callback_query_id": callback_query_id})
        except PlatformError as error:
            logger.info("answerCallbackQuery failed: %s", error)


class TelegramShopInput(SecuredWebhook, TelegramInput):
    """Telegram's webhook at ``/webhooks/telegram/webhook``, authenticated by its secret."""

    title = "Telegram"
    settings_key = "telegram"
    settings_hint = ": set it to the token @BotFather gave you"

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings, settings.telegram_token, None, None, debug_mode=False)
        self.api_url = settings.telegram_api_url
        self.secret = telegram_secret(settings)

    @classmethod
    def name(cls) -> str:
        return "telegram"

    def platform_output(self) -> TelegramShopOutput:
        return TelegramShopOutput(self.access_token, self.api_url)

    def authenticate(self, request: Request) -> None:
        provided = request.headers.get(SECRET_HEADER)
        if not provided:
            raise Refused(401, f"{SECRET_HEADER} is missing: only Telegram may post updates.")
        if not same_secret(provided, self.secret):
            raise Refused(403, f"{SECRET_HEADER} does not match the registered secret.")

    def sender(self, chat_id: Any) -> str:
        """The conversation id of a Telegram chat."""
        return conversation_id(self.name(), str(chat_id), self.secret)

    def parse(self, request: Request) -> list[Incoming] | HTTPResponse:
        update = json_body(request)
        update_id = update.get("update_id")
        if not isinstance(update_id, int):
            raise WebhookError("The update has no integer update_id.")
        message_id = str(update_id)
        if isinstance(update.get("callback_query"), dict):
            query = update["callback_query"]
            chat = (query.get("message") or {}).get("chat") or {}
            if "id" not in chat or not isinstance(query.get("data"), str):
                raise WebhookError("The callback_query has no message.chat.id or data.")
            return [
                Incoming(
                    self.sender(chat["id"]),
                    message_id,
                    text=query["data"],
                    metadata={"callback_query_id": str(query.get("id", ""))},
                )
            ]
        if "edited_message" in update:
            logger.info("Telegram update %s edits a message; the first answer stands.", update_id)
            return []
        message = update.get("message")
        if not isinstance(message, dict):
            logger.info(
                "Telegram update %s (%s) is not a message; nothing to do.",
                update_id,
                ", ".join(k for k in update if k != "update_id") or "empty",
            )
            return []
        chat = message.get("chat")
        if not isinstance(chat, dict) or "id" not in chat:
            raise WebhookError("The message has no chat.id.")
        text = message.get("text")
        if isinstance(text, str) and text.strip():
            return [Incoming(self.sender(chat["id"]), message_id, text=typed_text(text))]
        kind = next((UNREADABLE[k] for k in UNREADABLE if k in message), "this kind of message")
        return [Incoming(self.sender(chat["id"]), message_id, unreadable=kind)]

    async def resolve_text(self, request: Request, incoming: Incoming) -> str:
        """A tap stops the button's spinner; a tapped key becomes the button's full payload."""
        query_id = incoming.metadata.get("callback_query_id")
        if not query_id:
            return incoming.text
        output = self.platform_output()
        await output.answer_button(query_id)
        if not incoming.text.startswith(KEY_PREFIX):
            return incoming.text
        tracker = await stored_tracker(request, incoming.sender)
        payload = payload_of_key(incoming.text, tracker)
        if not payload:
            logger.info(
                "Telegram button %s of %s is not among the conversation's latest messages.",
                incoming.text,
                incoming.sender,
            )
            await output.send_response(incoming.sender, {"text": EXPIRED_BUTTON_REPLY})
        return payload
