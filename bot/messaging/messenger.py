"""Facebook Messenger: signed webhooks, carousels of product cards, quick replies.

Rasa's ``FacebookInput`` checks the older SHA-1 ``X-Hub-Signature``, answers every
redelivery again and sends with a blocking client inside the event loop. This channel

* answers Meta's verification handshake (``hub.mode=subscribe`` with the verify token) and
  refuses a POST without ``X-Hub-Signature-256`` (401) or whose HMAC-SHA256 of the raw body
  under the app secret differs (403);
* answers a redelivered message id (``mid``) once; ignores echoes, deliveries and reads;
  answers stickers, audio, images and locations with what the bot can read;
* renders product lists as a generic-template carousel (at most 10 cards, each with "View"
  and "More like this"), buttons as quick replies (at most 13), and splits texts at 2,000
  characters. A tapped quick reply or card button arrives as its payload.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.core.channels.facebook import FacebookInput
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import WebhookError
from bot.messaging.common import (
    Incoming,
    PlatformOutput,
    Refused,
    Reply,
    SecuredWebhook,
    address_of,
    call_api,
    conversation_id,
    hmac_hex,
    json_body,
    public_link,
    same_secret,
    shorten,
    split_text,
)
from shopdesk.settings import Settings

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Hub-Signature-256"
TEXT_LIMIT = 2000
CARDS_LIMIT = 10
CARD_TEXT_LIMIT = 80
QUICK_REPLIES_LIMIT = 13
QUICK_REPLY_TITLE_LIMIT = 20
PAYLOAD_LIMIT = 1000
#: Attachment types the bot cannot read, in the words of its answer.
UNREADABLE = {
    "image": "pictures or stickers",
    "audio": "voice messages",
    "video": "videos",
    "file": "files",
    "location": "locations",
}


class MessengerShopOutput(PlatformOutput):
    """Sends replies through the Send API (``/me/messages``)."""

    def __init__(self, page_token: str, api_url: str) -> None:
        self.page_token = page_token
        self.url = f"{api_url.rstrip('/')}/me/messages"

    @classmethod
    def name(cls) -> str:
        return "facebook"

    async def send(self, psid: str, message: dict[str, Any]) -> None:
        """One Send API call."""
        await call_api(
            "POST",
            self.url,
            json={"recipient": {"id": psid}, "messaging_type": "RESPONSE", "message": message},
            headers={"Authorization": f"Bearer {self.page_token}"},
        )

    async def send_reply(self, recipient_id: str, reply: Reply) -> None:
        """Text (quick replies on its last part), a carousel of products, then an image."""
        psid = address_of(recipient_id)
        pieces = split_text(reply.intro, TEXT_LIMIT)
        for number, piece in enumerate(pieces, start=1):
            message: dict[str, Any] = {"text": piece}
            if number == len(pieces) and reply.buttons:
                message["quick_replies"] = [
                    {
                        "content_type": "text",
                        "title": shorten(b.title, QUICK_REPLY_TITLE_LIMIT),
                        "payload": b.payload[:PAYLOAD_LIMIT],
                    }
                    for b in reply.buttons[:QUICK_REPLIES_LIMIT]
                ]
            await self.send(psid, message)
        if reply.products:
            await self.send(psid, {"attachment": carousel(reply)})
        if reply.image:
            await self.send(
                psid, {"attachment": {"type": "image", "payload": {"url": reply.image}}}
            )


def carousel(reply: Reply) -> dict[str, Any]:
    """The generic template of the reply's products (Messenger shows at most 10)."""
    elements = []
    for product in reply.products[:CARDS_LIMIT]:
        buttons: list[dict[str, Any]] = []
        if public_link(product.url):
            buttons.append({"type": "web_url", "url": product.url, "title": "View"})
        more = product.more_like_this
        buttons.append(
            {"type": "postback", "title": more.title, "payload": more.payload[:PAYLOAD_LIMIT]}
        )
        element: dict[str, Any] = {
            "title": shorten(product.title, CARD_TEXT_LIMIT),
            "subtitle": shorten(product.subtitle, CARD_TEXT_LIMIT),
            "buttons": buttons,
        }
        if public_link(product.image_url):
            element["image_url"] = product.image_url
        elements.append(element)
    return {"type": "template", "payload": {"template_type": "generic", "elements": elements}}


class MessengerShopInput(SecuredWebhook, FacebookInput):
    """Messenger's webhook at ``/webhooks/facebook/webhook``, authenticated by its signature."""

    title = "Messenger"
    settings_key = "messenger"

    def __init__(self, settings: Settings) -> None:
        super().__init__(
            settings,
            settings.messenger_verify_token,
            settings.messenger_app_secret,
            settings.messenger_page_token,
        )
        self.api_url = settings.messenger_api_url

    @classmethod
    def name(cls) -> str:
        return "facebook"

    def platform_output(self) -> MessengerShopOutput:
        return MessengerShopOutput(self.fb_access_token, self.api_url)

    def handshake(self, request: Request) -> HTTPResponse:
        """Meta's verification: echo ``hub.challenge`` when the verify token matches."""
        if request.args.get("hub.mode") != "subscribe":
            return response.json({"error": "Expected hub.mode=subscribe."}, status=400)
        if not same_secret(request.args.get("hub.verify_token"), self.fb_verify):
            logger.warning("Messenger verification with a wrong verify token refused.")
            return response.json({"error": "The verify token does not match."}, status=403)
        return response.text(request.args.get("hub.challenge", ""))

    def authenticate(self, request: Request) -> None:
        provided = request.headers.get(SIGNATURE_HEADER)
        if not provided:
            raise Refused(401, f"{SIGNATURE_HEADER} is missing: only Meta may post events.")
        expected = "sha256=" + hmac_hex(self.fb_secret, request.body or b"")
        if not same_secret(provided, expected):
            raise Refused(403, f"{SIGNATURE_HEADER} does not match the app secret's signature.")

    def parse(self, request: Request) -> list[Incoming]:
        body = json_body(request)
        if body.get("object") != "page" or not isinstance(body.get("entry"), list):
            raise WebhookError('Expected {"object": "page", "entry": [...]}.')
        messages = []
        for entry in body["entry"]:
            if not isinstance(entry, dict):
                raise WebhookError("Each entry must be an object.")
            events = entry.get("messaging")
            if events is None:
                logger.info(
                    "Messenger entry without messaging events (%s) ignored.", ", ".join(entry)
                )
                continue
            if not isinstance(events, list):
                raise WebhookError("entry[].messaging must be a list of events.")
            for event in events:
                if not isinstance(event, dict):
                    raise WebhookError("Each messaging event must be an object.")
                incoming = self._incoming(event)
                if incoming is not None:
                    messages.append(incoming)
        return messages

    def _incoming(self, event: dict[str, Any]) -> Incoming | None:
        psid = (event.get("sender") or {}).get("id")
        message, postback = event.get("message"), event.get("postback")
        if not psid or not isinstance(message or postback, dict):
            logger.info("Messenger event without a message (%s) ignored.", ", ".join(event))
            return None
        sender = conversation_id(self.name(), str(psid), self.fb_secret)
        if isinstance(postback, dict):
            message_id = postback.get("mid") or f"postback-{psid}-{event.get('timestamp')}"
            choice = str(postback.get("payload") or postback.get("title") or "")
            return Incoming(sender, str(message_id), text=choice)
        if not isinstance(message, dict) or message.get("is_echo"):
            logger.info("Messenger echo of the page's own message ignored.")
            return None
        message_id = str(message.get("mid") or f"{psid}-{event.get('timestamp')}")
        quick_reply = message.get("quick_reply")
        if isinstance(quick_reply, dict) and quick_reply.get("payload"):
            return Incoming(sender, message_id, text=str(quick_reply["payload"]))
        text = message.get("text")
        if isinstance(text, str) and text.strip():
            return Incoming(sender, message_id, text=text)
        attachments = message.get("attachments") or [{}]
        first = attachments[0] if isinstance(attachments[0], dict) else {}
        kind = str(first.get("type") or "")
        return Incoming(sender, message_id, unreadable=UNREADABLE.get(kind, "this kind of message"))
