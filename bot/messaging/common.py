"""What the messaging channels share: the secured webhook, signatures, rendering, sending.

Every platform module builds on three pieces:

* :class:`SecuredWebhook`, the webhook route every channel uses, built from shopdesk's
  settings (a channel listed in credentials.yml without its ``SHOPDESK_*`` secrets refuses to
  start, naming them): body size limit, the
  platform's sender authentication (401/403 before anything is read), parsing into
  :class:`Incoming` messages (a malformed body is a 400, an update the bot has nothing to do
  with a 200), a platform's retry of the same message answered once (:class:`SeenMessages`),
  and a polite answer to messages the bot cannot read.
* :class:`Reply`, what the bot said in a platform-neutral form (text, buttons, product
  cards, image) built from Rasa's bot message: the product payloads of the actions
  (``{"type": "product_list" | "product", ...}``) and Rasa buttons or quick replies.
* :class:`PlatformOutput`, an output channel that renders a :class:`Reply` into the
  platform's API calls and sends them with aiohttp to the API's base URL (a setting).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json as jsonlib
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import WebhookError, check_text
from bot.rate_limits import limited
from shopdesk.settings import Settings, SettingsError, get_settings

logger = logging.getLogger(__name__)

#: Largest webhook body accepted; platform updates are a few kB.
MAX_BODY_BYTES = 256 * 1024
#: Seconds an outgoing API call may take.
API_TIMEOUT_SECONDS = 15
#: What the bot says when it receives something it cannot read.
UNREADABLE_REPLY = (
    "Sorry, I can't read {kind} yet: I understand text messages and button taps. "
    'Please type your question, e.g. "where is my order?" or "running shoes under $100".'
)
TOO_LONG_REPLY = (
    "Your message is {length:,} characters long; I read at most {limit:,}. "
    "Please send a shorter message."
)
#: The text of a numbered product line in the actions' replies ("1. Tempo 3 — $89.00, ...").
NUMBERED_LINE = re.compile(r"^\s*\d+\.\s")


#: How long a platform's message id is remembered, so a platform's retry is handled once.
MESSAGE_ID_SECONDS = 600


class SeenMessages:
    """Message ids seen lately, so a message a platform sends again runs once.

    A platform resends a message whose webhook call got no 200 in time, while the bot's answer
    already went out through the platform's API (and unreadable or too long messages are
    answered without being stored), so a retry is dropped here rather than answered again
    from the stored conversation as a widget's resend is (``bot/retries.py``). Kept in Redis
    (``SET NX`` with an expiry) when a lock store URL is set, so every worker agrees;
    otherwise in this process.
    """

    def __init__(self, redis_url: str = "", seconds: int = MESSAGE_ID_SECONDS) -> None:
        self.seconds = seconds
        self.redis_url = redis_url
        self._redis: Any = None
        self._local: OrderedDict[str, float] = OrderedDict()

    async def first_time(self, scope: str, message_id: str) -> bool:
        """True the first time ``message_id`` arrives for ``scope`` (the channel's name)."""
        # The key the widget's channel used too: ids recorded before an upgrade still count.
        key = f"shopdesk:widget-message:{scope}:{message_id}"
        if self.redis_url:
            if self._redis is None:
                from redis import asyncio as redis_asyncio

                self._redis = redis_asyncio.Redis.from_url(self.redis_url)
            return bool(await self._redis.set(key, b"1", nx=True, ex=self.seconds))
        now = time.monotonic()
        while self._local and next(iter(self._local.values())) < now - self.seconds:
            self._local.popitem(last=False)
        if key in self._local:
            return False
        self._local[key] = now
        return True


# --- signatures ---------------------------------------------------------------------------


def same_secret(provided: str | None, expected: str) -> bool:
    """Constant-time comparison; a missing value or an empty expected secret never matches."""
    if not provided or not expected:
        return False
    return hmac.compare_digest(provided.encode(), expected.encode())


def hmac_hex(secret: str, data: bytes, digest: str = "sha256") -> str:
    """The hex HMAC of ``data`` under ``secret``."""
    return hmac.new(secret.encode(), data, getattr(hashlib, digest)).hexdigest()


def twilio_signature(url: str, params: Mapping[str, Iterable[str]], auth_token: str) -> str:
    """Twilio's ``X-Twilio-Signature``: base64 HMAC-SHA1 of the URL and the sorted POST fields."""
    data = url + "".join(f"{key}{value}" for key in sorted(params) for value in sorted(params[key]))
    digest = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def conversation_id(platform: str, address: str, secret: str) -> str:
    """The Rasa sender id of a platform address: ``platform:address:tag``.

    The tag (128 bits of an HMAC under the channel's secret) makes the id unguessable, so a
    client of the REST channel, which may name any sender id, cannot speak in a messaging
    shopper's conversation (and its verification).
    """
    tag = hmac_hex(secret, f"{platform}:{address}".encode())[:32]
    return f"{platform}:{address}:{tag}"


def address_of(sender_id: str) -> str:
    """The platform address in a :func:`conversation_id` (a bare address stays as it is)."""
    parts = sender_id.split(":")
    if len(parts) >= 3 and re.fullmatch(r"[0-9a-f]{32}", parts[-1]):
        return ":".join(parts[1:-1])
    return sender_id


def public_link(url: str) -> bool:
    """Whether ``url`` is a web address a platform can open (not on this machine)."""
    match = re.match(r"https?://([^/:]+)", url or "")
    return match is not None and match.group(1) not in (
        "localhost",
        "127.0.0.1",
        "0.0.0.0",
        "[::1]",
    )


# --- what the bot says, neutral ----------------------------------------------------------


@dataclass(frozen=True)
class Button:
    """A choice the shopper taps: its payload comes back as their message."""

    title: str
    payload: str


@dataclass(frozen=True)
class ProductCard:
    """A product as the channels show it, from an action's ``product_card`` payload."""

    title: str
    subtitle: str
    url: str
    image_url: str

    @property
    def more_like_this(self) -> Button:
        """The button asking for similar products (read by the recommend action)."""
        return Button("More like this", f"something like the {self.title}")


@dataclass
class Reply:
    """One bot message: text, buttons, product cards and an image, any of them empty."""

    text: str = ""
    buttons: list[Button] = field(default_factory=list)
    products: list[ProductCard] = field(default_factory=list)
    image: str = ""

    @property
    def intro(self) -> str:
        """The text without the numbered product lines the cards replace."""
        if not self.products:
            return self.text
        return "\n".join(line for line in self.text.splitlines() if not NUMBERED_LINE.match(line))


def product_from_card(card: Mapping[str, Any]) -> ProductCard | None:
    """A :class:`ProductCard` from an action's card dict, or None when it has no title."""
    title = str(card.get("title") or "").strip()
    if not title:
        return None
    stock = card.get("stock")
    if card.get("in_stock") is False or (isinstance(stock, int) and stock <= 0):
        availability = "out of stock"
    elif isinstance(stock, int) and stock <= 5:
        availability = f"only {stock} left"
    else:
        availability = "in stock"
    parts = [str(card.get("price_text") or ""), availability, str(card.get("reason") or "")]
    return ProductCard(
        title=title,
        subtitle=" · ".join(p for p in parts if p),
        url=str(card.get("url") or ""),
        image_url=str(card.get("image_url") or ""),
    )


def reply_from_message(message: Mapping[str, Any]) -> Reply:
    """The :class:`Reply` of a Rasa bot message (``text``, ``buttons``/``quick_replies``,
    ``custom`` product payloads, ``image``); other custom payloads are logged and skipped."""
    reply = Reply(text=str(message.get("text") or ""), image=str(message.get("image") or ""))
    for button in message.get("buttons") or message.get("quick_replies") or []:
        if isinstance(button, Mapping) and button.get("title"):
            title = str(button["title"])
            reply.buttons.append(Button(title, str(button.get("payload") or title)))
    custom = message.get("custom")
    if isinstance(custom, Mapping):
        kind = custom.get("type")
        cards = custom.get("products") if kind == "product_list" else [custom.get("product")]
        if kind in ("product_list", "product") and isinstance(cards, list):
            reply.products = [
                p for p in (product_from_card(c) for c in cards if isinstance(c, Mapping)) if p
            ]
        else:
            logger.info("Custom payload of type %r has no messaging form; not sent.", kind)
    return reply


def split_text(text: str, limit: int) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, cut at paragraphs, lines or words."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[: limit + 1]
        cut = max(window.rfind("\n\n"), window.rfind("\n"), window.rfind(" "))
        if cut <= limit // 2:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis when longer."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --- sending ------------------------------------------------------------------------------


class PlatformError(RuntimeError):
    """A platform API refused a call; the message has the platform's reason."""


async def call_api(
    method: str,
    url: str,
    *,
    json: Any = None,
    data: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    auth: aiohttp.BasicAuth | None = None,
) -> Any:
    """One call to a platform API; its JSON answer, or :class:`PlatformError` on an error."""
    timeout = aiohttp.ClientTimeout(total=API_TIMEOUT_SECONDS)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        async with session.request(
            method, url, json=json, data=data, headers=headers, auth=auth
        ) as answer:
            text = await answer.text()
            if answer.status >= 400:
                raise PlatformError(f"HTTP {answer.status}: {text[:300]}")
            try:
                return await answer.json(content_type=None)
            except ValueError:
                return text


class PlatformOutput(OutputChannel):
    """An output channel that renders each bot message as a :class:`Reply`."""

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        """Renders and sends one bot message; a refused call is logged, not raised."""
        reply = reply_from_message(message)
        if not (reply.text or reply.products or reply.image):
            return
        try:
            await self.send_reply(recipient_id, reply)
        except (PlatformError, aiohttp.ClientError, TimeoutError) as error:
            logger.error("%s did not take a reply to %s: %s", self.name(), recipient_id, error)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        """Sends plain text (used by Rasa for texts outside ``send_response``)."""
        await self.send_response(recipient_id, {"text": text})

    async def send_reply(self, recipient_id: str, reply: Reply) -> None:
        """Sends ``reply`` in the platform's own form."""
        raise NotImplementedError


# --- receiving ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Incoming:
    """One shopper message from a webhook.

    ``unreadable`` names what the bot cannot read ("stickers"), in which case ``text`` is empty.
    """

    sender: str
    message_id: str
    text: str = ""
    unreadable: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)


class Refused(Exception):
    """A webhook request refused before it reaches the bot, with its HTTP status."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


class SecuredWebhook:
    """The webhook route of a messaging channel (mixed into a Rasa input channel).

    A channel names its :attr:`title` and :attr:`settings_key`, passes the settings and
    its Rasa input channel's arguments to ``__init__``, and implements :meth:`authenticate`
    (raise :class:`Refused`), :meth:`parse` (the messages of a request, or a direct response
    such as a handshake answer) and :meth:`platform_output`. Messages are handled before the
    webhook answers, so the platform sees a 200 once the bot has answered; a message the bot
    fails on is logged and acknowledged too, since platforms resend on a 5xx.
    """

    #: The platform's name in a person's error message ("Slack").
    title: str = ""
    #: The channel's key in ``shopdesk.settings.CHANNEL_SETTINGS`` (the settings it needs).
    settings_key: str = ""
    #: Added to the error naming unset variables, e.g. where a token comes from.
    settings_hint: str = ""
    max_message_chars: int = 5000
    seen: SeenMessages

    def __init__(self, settings: Settings, *platform_args: Any, **platform_kwargs: Any) -> None:
        """Reads the webhook's settings; the other arguments go to the Rasa input channel."""
        super().__init__(*platform_args, **platform_kwargs)
        self.max_message_chars = settings.max_message_chars
        self.seen = SeenMessages(settings.lock_store_url)

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> SecuredWebhook:
        """Built from shopdesk's settings (credentials.yml holds no secrets)."""
        settings = get_settings()
        missing = settings.missing_channel_settings(cls.settings_key)
        if missing:
            raise SettingsError(
                f"The {cls.title} channel is in credentials.yml but {', '.join(missing)} "
                f"is not set{cls.settings_hint} (docs/channels.md)."
            )
        return cls(settings)

    @classmethod
    def name(cls) -> str:  # pragma: no cover - every channel names itself
        raise NotImplementedError

    def authenticate(self, request: Request) -> None:
        """Raises :class:`Refused` unless the request comes from the platform."""
        raise NotImplementedError

    def parse(self, request: Request) -> list[Incoming] | HTTPResponse:
        """The messages in an authenticated request; :class:`WebhookError` when malformed."""
        raise NotImplementedError

    def platform_output(self) -> PlatformOutput:
        """The output channel replies go through."""
        raise NotImplementedError

    def handshake(self, request: Request) -> HTTPResponse:
        """Answer to a GET on the webhook (Messenger's verification); 405 by default."""
        return response.json({"error": "Send updates with POST."}, status=405)

    def acknowledgement(self) -> HTTPResponse:
        """What the webhook answers once the request is handled."""
        return response.json({"ok": True})

    async def resolve_text(self, request: Request, incoming: Incoming) -> str:
        """The text the bot receives for ``incoming`` (a channel may map it, e.g. "2"); an
        empty text when the channel has answered the shopper itself and the bot gets nothing."""
        return incoming.text

    def get_output_channel(self) -> PlatformOutput:
        """The output channel for messages sent outside a shopper's request (staff replies)."""
        return self.platform_output()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Health route and the secured webhook."""
        webhook = Blueprint(f"shopdesk_{self.name()}_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["GET", "POST"])
        async def receive(request: Request) -> HTTPResponse:
            if request.method == "GET":
                return self.handshake(request)
            if len(request.body or b"") > MAX_BODY_BYTES:
                logger.warning(
                    "%s webhook: body of %d bytes refused.", self.name(), len(request.body)
                )
                return response.json({"error": "The body is too large."}, status=413)
            try:
                self.authenticate(request)
            except Refused as refused:
                logger.warning("%s webhook refused: %s", self.name(), refused)
                # Only refused requests count against the address: the platform's own
                # servers send every shopper's messages from a few addresses.
                too_many = await limited(request)
                if too_many is not None:
                    return too_many
                return response.json({"error": str(refused)}, status=refused.status)
            try:
                parsed = self.parse(request)
            except WebhookError as error:
                logger.warning("%s webhook: malformed body: %s", self.name(), error)
                return response.json({"error": str(error)}, status=error.status)
            except (AttributeError, KeyError, IndexError, TypeError, ValueError) as error:
                # A field of the wrong type deep in the body (a string where the platform
                # sends an object): malformed too, and never a 500.
                logger.warning(
                    "%s webhook: malformed body (%s: %s).", self.name(), type(error).__name__, error
                )
                return response.json(
                    {"error": f"The body does not have {self.title}'s update format."}, status=400
                )
            if isinstance(parsed, HTTPResponse):
                return parsed
            too_many = await limited(request, [i.sender for i in parsed], count_ip=False)
            if too_many is not None:
                return too_many
            for incoming in parsed:
                try:
                    await self._handle(request, incoming, on_new_message)
                except Exception:
                    # Platforms resend on a 5xx; the message id is already marked as seen,
                    # so the retry would be dropped anyway. Acknowledge and say why.
                    logger.exception(
                        "%s message %s from %s failed inside the bot; acknowledged so the "
                        "platform does not resend it (it is not processed again).",
                        self.name(),
                        incoming.message_id,
                        incoming.sender,
                    )
            return self.acknowledgement()

        return webhook

    async def _handle(
        self,
        request: Request,
        incoming: Incoming,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> None:
        if not await self.seen.first_time(self.name(), incoming.message_id):
            logger.info(
                "%s message %s arrived again (a platform retry); answered once.",
                self.name(),
                incoming.message_id,
            )
            return
        output = self.platform_output()
        if incoming.unreadable:
            logger.info(
                "%s: %s from %s answered with what the bot reads.",
                self.name(),
                incoming.unreadable,
                incoming.sender,
            )
            await output.send_response(
                incoming.sender, {"text": UNREADABLE_REPLY.format(kind=incoming.unreadable)}
            )
            return
        if len(incoming.text) > self.max_message_chars:
            logger.info(
                "%s: message of %d characters from %s not read.",
                self.name(),
                len(incoming.text),
                incoming.sender,
            )
            text = TOO_LONG_REPLY.format(length=len(incoming.text), limit=self.max_message_chars)
            await output.send_response(incoming.sender, {"text": text})
            return
        text = await self.resolve_text(request, incoming)
        if not text:
            return
        await on_new_message(
            UserMessage(
                text,
                output,
                incoming.sender,
                input_channel=self.name(),
                metadata={**incoming.metadata, "message_id": incoming.message_id},
            )
        )


async def stored_tracker(request: Request, sender: str) -> DialogueStateTracker | None:
    """The conversation as the tracker store holds it (shared by all workers, kept across
    restarts), or None when there is none yet."""
    agent = getattr(request.app.ctx, "agent", None)
    if agent is None or agent.tracker_store is None:
        return None
    return await agent.tracker_store.retrieve(sender)


def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object, or :class:`WebhookError`."""
    try:
        body = jsonlib.loads(request.body or b"")
    except (UnicodeDecodeError, jsonlib.JSONDecodeError, RecursionError) as exc:
        raise WebhookError(f"The body is not valid JSON ({exc}).") from exc
    if not isinstance(body, dict):
        raise WebhookError("The body must be a JSON object.")
    check_text(body)
    return body


def public_url(request: Request, base: str) -> str:
    """The URL the platform called: ``base`` (SHOPDESK_PUBLIC_URL) + path, else the request's."""
    if not base:
        return request.url
    query = f"?{request.query_string}" if request.query_string else ""
    return f"{base}{request.path}{query}"
