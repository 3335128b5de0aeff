"""WhatsApp and SMS through Twilio: signed webhooks, numbered choices, media on WhatsApp.

Rasa's ``TwilioInput`` never checks ``X-Twilio-Signature`` (anyone who knows the URL can
post messages as any phone number) and sends replies with Twilio's blocking client inside
the server's event loop. This channel

* refuses a request without a signature (401) or with one that is not Twilio's HMAC-SHA1
  of the webhook URL and the POST fields under the auth token (403);
* answers a resent ``MessageSid`` once; ignores status callbacks (delivery receipts, which
  carry ``MessageStatus``); answers voice notes, photos and locations with what the bot can
  read;
* renders buttons as a numbered list ("Reply with a number") and maps a reply of only that
  number back to the button's payload (read from the conversation, so any worker can);
  product lists stay the actions' numbered lines with links, and on WhatsApp the first
  product's photo goes with them; texts are split at Twilio's 1,600 characters.

One channel serves both: a WhatsApp sender is ``whatsapp:+<number>``, an SMS sender
``+<number>``, and each reply goes out from the shop's number of the same kind.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qs

import aiohttp
from rasa.core.channels.twilio import TwilioInput
from rasa.shared.core.events import BotUttered
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
    public_link,
    public_url,
    same_secret,
    split_text,
    stored_tracker,
    twilio_signature,
)
from shopdesk.settings import Settings

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Twilio-Signature"
TEXT_LIMIT = 1600
WHATSAPP = "whatsapp:"
#: An empty TwiML answer: the replies go out through the REST API.
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def numbered_choices(reply: Reply) -> str:
    """The reply's text with its buttons as a numbered list and its products' missing links."""
    lines = [reply.text.strip()] if reply.text.strip() else []
    missing = [p for p in reply.products if p.url and p.url not in reply.text]
    lines += [f"{p.title} — {p.subtitle} — {p.url}" for p in missing]
    if reply.buttons:
        lines.append("Reply with a number:")
        lines += [f"{n}. {b.title}" for n, b in enumerate(reply.buttons, start=1)]
    return "\n".join(lines)


def form_fields(request: Request) -> dict[str, list[str]]:
    """The POST fields, blank ones included: Twilio signs ``Body=`` of a media message too
    (Sanic's ``request.form`` drops blank fields)."""
    return parse_qs((request.body or b"").decode("utf-8", "replace"), keep_blank_values=True)


class TwilioShopOutput(PlatformOutput):
    """Sends replies through Twilio's Messages API."""

    def __init__(self, settings: Settings) -> None:
        self.account_sid = settings.twilio_account_sid
        self.auth_token = settings.twilio_auth_token
        self.sms_number = settings.twilio_number
        self.whatsapp_number = settings.twilio_whatsapp_number or settings.twilio_number
        self.url = (
            f"{settings.twilio_api_url.rstrip('/')}/2010-04-01/Accounts/"
            f"{self.account_sid}/Messages.json"
        )

    @classmethod
    def name(cls) -> str:
        return "twilio"

    async def send_reply(self, recipient_id: str, reply: Reply) -> None:
        """The text in parts of 1,600 characters; WhatsApp gets the first picture with it."""
        to = address_of(recipient_id)
        whatsapp = to.startswith(WHATSAPP)
        sender = f"{WHATSAPP}{self.whatsapp_number}" if whatsapp else self.sms_number
        media = ""
        if whatsapp:
            pictures = [reply.image] + [p.image_url for p in reply.products]
            media = next((p for p in pictures if public_link(p)), "")
        body = numbered_choices(reply)
        if reply.image and not whatsapp:
            body = f"{body}\n{reply.image}".strip()
        for number, piece in enumerate(split_text(body, TEXT_LIMIT) or [""], start=1):
            fields = {"To": to, "From": sender, "Body": piece}
            if number == 1 and media:
                fields["MediaUrl"] = media
            await call_api(
                "POST",
                self.url,
                data=fields,
                auth=aiohttp.BasicAuth(self.account_sid, self.auth_token),
            )


class TwilioShopInput(SecuredWebhook, TwilioInput):
    """Twilio's webhook at ``/webhooks/twilio/webhook``, authenticated by its signature."""

    title = "Twilio"
    settings_key = "twilio"

    def __init__(self, settings: Settings) -> None:
        super().__init__(
            settings,
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            settings.twilio_number,
            debug_mode=False,
        )
        self.settings = settings
        self.public_url = settings.public_url

    @classmethod
    def name(cls) -> str:
        return "twilio"

    def platform_output(self) -> TwilioShopOutput:
        return TwilioShopOutput(self.settings)

    def acknowledgement(self) -> HTTPResponse:
        return response.text(EMPTY_TWIML, content_type="text/xml")

    def authenticate(self, request: Request) -> None:
        provided = request.headers.get(SIGNATURE_HEADER)
        if not provided:
            raise Refused(401, f"{SIGNATURE_HEADER} is missing: only Twilio may post messages.")
        expected = twilio_signature(
            public_url(request, self.public_url), form_fields(request), self.auth_token
        )
        if not same_secret(provided, expected):
            raise Refused(
                403,
                f"{SIGNATURE_HEADER} does not match: check SHOPDESK_TWILIO_AUTH_TOKEN and that "
                "SHOPDESK_PUBLIC_URL is the address configured in Twilio.",
            )

    def parse(self, request: Request) -> list[Incoming]:
        form = {name: values[0] for name, values in form_fields(request).items()}
        if form.get("MessageStatus"):
            logger.info(
                "Twilio status callback (%s) for %s: a delivery receipt, nothing to answer.",
                form["MessageStatus"],
                form.get("MessageSid", "?"),
            )
            return []
        sender, message_id = form.get("From"), form.get("MessageSid") or form.get("SmsMessageSid")
        if not sender or not message_id:
            raise WebhookError("The request has no From or MessageSid field.")
        conversation = conversation_id(self.name(), sender, self.auth_token)
        metadata = {"to": form.get("To", "")}
        text = form.get("ButtonPayload") or form.get("Body") or ""
        if text.strip():
            # Some carriers turn "@" into "¡" in SMS.
            return [
                Incoming(conversation, message_id, text=text.replace("¡", "@"), metadata=metadata)
            ]
        if form.get("Latitude"):
            kind = "locations"
        elif form.get("NumMedia", "0") not in ("", "0"):
            media_type = form.get("MediaContentType0", "")
            kind = "voice notes" if media_type.startswith("audio") else "pictures and files"
        else:
            kind = "empty messages"
        return [Incoming(conversation, message_id, unreadable=kind, metadata=metadata)]

    async def resolve_text(self, request: Request, incoming: Incoming) -> str:
        """A reply of only a number picks that button of the bot's last message."""
        text = incoming.text.strip().rstrip(".")
        if not text.isdigit():
            return incoming.text
        buttons = await self._last_buttons(request, incoming.sender)
        choice = int(text)
        if 1 <= choice <= len(buttons):
            return str(buttons[choice - 1].get("payload") or buttons[choice - 1].get("title"))
        return incoming.text

    @staticmethod
    async def _last_buttons(request: Request, sender: str) -> list[dict[str, Any]]:
        tracker = await stored_tracker(request, sender)
        if tracker is None:
            return []
        for event in reversed(tracker.events):
            if isinstance(event, BotUttered):
                if event.data.get("buttons"):
                    return list(event.data["buttons"])
            elif event.type_name == "user":
                return []
        return []
