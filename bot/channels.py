"""The REST channel with input checks: malformed or oversized webhooks get a clear error.

Rasa's own ``RestInput`` answers a malformed body with a stack trace in the log and an
empty reply, and hands a 1 MB message to the NLU pipeline. This subclass checks the body
where it enters and answers with a JSON error that says what to fix; valid messages take
exactly Rasa's path. It keeps the channel name ``rest``, so the URL stays
``/webhooks/rest/webhook``.
"""

from __future__ import annotations

import asyncio
import hmac
import inspect
import json
import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from rasa.shared.core.events import BotUttered
from redis.exceptions import RedisError
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncRedisManager, AsyncServer

from bot.rate_limits import channel_limiter, client_ip, limited
from bot.retries import MAX_MESSAGE_ID_CHARS, MESSAGE_ID
from shopdesk.secrets import api_token
from shopdesk.settings import get_settings
from storage.outages import Outage

logger = logging.getLogger(__name__)

MAX_SENDER_CHARS = 200


def check_text(value: Any) -> None:
    """Raise :class:`WebhookError` when ``value`` holds text that is not valid Unicode.

    JSON may carry unpaired UTF-16 surrogates (``"\\ud800"``); such strings cannot be stored
    or encoded, so they are refused where they enter.
    """
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise WebhookError(
            "The request holds text that is not valid Unicode (an unpaired surrogate, "
            f"position {exc.start}); send UTF-8 text."
        ) from exc


class WebhookError(ValueError):
    """A webhook body that cannot be processed; the message says what to change."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def check_message_id(message_id: Any) -> None:
    """Refuse a client message id that is not a string of 1-64 characters (``None``: no id)."""
    if message_id is not None and (
        not isinstance(message_id, str) or not message_id or len(message_id) > MAX_MESSAGE_ID_CHARS
    ):
        raise WebhookError(
            f'"message_id" must be a string of 1-{MAX_MESSAGE_ID_CHARS} characters: the '
            "client's own id of the message, the same when it sends the message again."
        )


def parse_webhook_body(raw: bytes, max_message_chars: int) -> dict[str, Any]:
    """Check a REST webhook body and return it as a dict, or raise :class:`WebhookError`."""
    try:
        body = json.loads(raw or b"")
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise WebhookError(
            f"The request body is not valid JSON ({exc}). Send "
            '{"sender": "<conversation id>", "message": "<text>"} '
            "with Content-Type: application/json."
        ) from exc
    if not isinstance(body, dict):
        raise WebhookError(
            'The request body must be a JSON object: {"sender": "...", "message": "..."}.'
        )
    sender, message = body.get("sender"), body.get("message")
    if not isinstance(sender, str) or not sender.strip():
        raise WebhookError(
            '"sender" is missing or empty: give the id of the conversation as a string.'
        )
    if len(sender) > MAX_SENDER_CHARS:
        raise WebhookError(
            f'"sender" is {len(sender)} characters long; use at most {MAX_SENDER_CHARS}.'
        )
    if not isinstance(message, str):
        raise WebhookError(
            '"message" is missing or not a string: send the shopper\'s text as "message".'
        )
    if len(message) > max_message_chars:
        raise WebhookError(
            f"The message is {len(message):,} characters long; the bot reads at most "
            f"{max_message_chars:,}. Shorten it, or split it into several messages.",
            status=413,
        )
    metadata = body.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise WebhookError('"metadata" must be a JSON object when given.')
    check_message_id(body.get("message_id"))
    channel = body.get("input_channel")
    if channel is not None and (not isinstance(channel, str) or len(channel) > MAX_SENDER_CHARS):
        raise WebhookError(
            f'"input_channel" must be a channel name (at most {MAX_SENDER_CHARS} characters).'
        )
    check_text(body)
    return body


class ShopRestInput(RestInput):
    """Rasa's REST channel, behind :func:`parse_webhook_body`."""

    def __init__(self, max_message_chars: int | None = None) -> None:
        self.max_message_chars = max_message_chars or get_settings().max_message_chars

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> ShopRestInput:
        """Builds the channel from ``credentials.yml`` (optional ``max_message_chars``)."""
        credentials = credentials or {}
        return cls(credentials.get("max_message_chars"))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        """The health and webhook routes, with the body checked before Rasa sees it."""
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            too_many = await limited(request)
            if too_many is not None:
                return too_many
            try:
                body = parse_webhook_body(request.body, self.max_message_chars)
            except WebhookError as error:
                return response.json({"error": str(error)}, status=error.status)
            too_many = await limited(request, [body["sender"]], count_ip=False)
            if too_many is not None:
                return too_many
            collector = CollectingOutputChannel()
            metadata, message_id = body.get("metadata"), body.get("message_id")
            if message_id is not None:
                # A retry with the same id is answered from the stored conversation.
                metadata = {**(metadata or {}), MESSAGE_ID: message_id}
            await on_new_message(
                UserMessage(
                    body["message"],
                    collector,
                    body["sender"],
                    input_channel=body.get("input_channel") or self.name(),
                    metadata=metadata,
                    message_id=message_id,
                )
            )
            return response.json(collector.messages)

        return webhook


# --- socket.io: the web widget's channel -------------------------------------------------

#: A widget session id: 128+ random bits as URL-safe characters (the widget sends 32 hex digits).
SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{22,128}$")
#: Event the channel sends when it drops a shopper's event, with a sentence saying why.
ERROR_EVENT = "shopdesk_error"
STAFF_KINDS = ("message", "joined", "left")
MAX_AGENT_CHARS = 80
#: Largest socket.io packet accepted; the engine closes a connection that sends a bigger one.
MAX_PACKET_BYTES = 64 * 1024


def parse_staff_message(raw: bytes, max_message_chars: int) -> dict[str, str]:
    """Check a ``staff_message`` body and return it, or raise :class:`WebhookError`."""
    try:
        body = json.loads(raw or b"")
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise WebhookError(
            f"The request body is not valid JSON ({exc}). Send "
            '{"sender": "<conversation id>", "text": "...", "agent": "<name>", "kind": "message"}.'
        ) from exc
    if not isinstance(body, dict):
        raise WebhookError('The body must be a JSON object: {"sender", "text", "agent", "kind"}.')
    sender, agent = body.get("sender"), body.get("agent")
    kind, text = body.get("kind", "message"), body.get("text", "")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
        raise WebhookError(
            f'"sender" must be the conversation id (a string of 1-{MAX_SENDER_CHARS} characters).'
        )
    if not isinstance(agent, str) or not agent.strip() or len(agent) > MAX_AGENT_CHARS:
        raise WebhookError(
            f'"agent" must be the staff member\'s display name (1-{MAX_AGENT_CHARS} characters).'
        )
    if kind not in STAFF_KINDS:
        raise WebhookError(f'"kind" must be one of {", ".join(STAFF_KINDS)}; got {kind!r}.')
    if not isinstance(text, str):
        raise WebhookError('"text" must be a string.')
    if kind == "message" and not text.strip():
        raise WebhookError('"text" is empty: a staff message needs the text to show the shopper.')
    if len(text) > max_message_chars:
        raise WebhookError(
            f"The text is {len(text):,} characters long; send at most {max_message_chars:,}.",
            status=413,
        )
    check_text([sender, text, agent])
    return {"sender": sender, "text": text, "agent": agent.strip(), "kind": kind}


def staff_line(agent: str, kind: str, text: str) -> str:
    """The transcript text of a staff event: their message, or "Sam joined the conversation"."""
    if kind == "joined":
        return f"{agent} joined the conversation"
    if kind == "left":
        return f"{agent} left the conversation"
    return text


def parse_user_event(
    data: Any, session_id: str | None, max_message_chars: int
) -> tuple[str, str, dict[str, Any], str | None]:
    """Check a widget ``user_uttered`` event: (session id, text, metadata, message id).

    Raises :class:`WebhookError` with a sentence for the shopper's widget when it is unusable.
    """
    if not isinstance(data, dict):
        raise WebhookError("A message must be an object with a text.")
    message = data.get("message")
    if not isinstance(message, str) or not message.strip():
        raise WebhookError("The message has no text.")
    if len(message) > max_message_chars:
        raise WebhookError(
            f"The message is {len(message):,} characters long; the bot reads at most "
            f"{max_message_chars:,}. Shorten it, or split it into several messages.",
            status=413,
        )
    claimed = data.get("session_id")
    if session_id is None or (claimed is not None and claimed != session_id):
        raise WebhookError("The session is not confirmed: send session_request first.")
    metadata = data.get("metadata") or {}
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise WebhookError("The message metadata is not valid JSON.") from exc
    if not isinstance(metadata, dict):
        raise WebhookError("The message metadata must be an object.")
    message_id = data.get("message_id")
    check_message_id(message_id)
    check_text([message, metadata, message_id])
    return session_id, message, metadata, message_id


class ShopSocketIOOutput(SocketIOOutput):
    """Rasa's socket.io output with custom payloads sent as ``{"custom": ...}``.

    Rasa 3.6 passes a custom payload's keys to ``AsyncServer.emit`` as keyword arguments,
    so a product list (``{"type": ..., "products": ...}``) raised a ``TypeError``.

    Given the ``message_id`` of the shopper's message it answers, each reply carries it as
    ``reply_to`` with its position ``seq`` (0, 1, ...). A message sent again is answered from the
    stored conversation (``bot/retries.py``) with the same replies in the same order: the
    widget skips a replayed reply it already shows (both copies of a message reached the
    server) and shows one it missed (the connection dropped before the answer arrived).
    """

    def __init__(self, sio: AsyncServer, bot_message_evt: str, reply_to: str | None = None) -> None:
        super().__init__(sio, bot_message_evt)
        self.reply_to = reply_to
        self.sent = 0

    async def _send_message(self, socket_id: str, response: Any) -> None:
        """Emits a reply to the shopper's room, tagged with the message it answers."""
        if self.reply_to is not None and isinstance(response, dict):
            response = {**response, "reply_to": self.reply_to, "seq": self.sent}
            self.sent += 1
        await super()._send_message(socket_id, response)

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        """Sends a custom payload (product cards, a product) to the shopper's room."""
        await self._send_message(recipient_id, {"custom": json_message})


class ShopAsyncServer(AsyncServer):
    """python-socketio's server, dropping client packets it cannot decode or dispatch.

    python-socketio 5.9 (pinned for Rasa 3.6) raises on some malformed packets from a client,
    e.g. an event without a name (``42[]``) or a packet type only a server sends (``44``);
    engine.io then logs a traceback and may answer the polling request with a 500. Here such a
    packet is logged in one line and dropped; the connection stays usable.
    """

    async def _handle_eio_message(self, eio_sid: str, data: Any) -> None:
        try:
            await super()._handle_eio_message(eio_sid, data)
        except (ValueError, IndexError, KeyError, TypeError, AttributeError) as error:
            logger.info(
                "socket.io packet from %s dropped: %s: %s", eio_sid, type(error).__name__, error
            )


FAN_OUT_READY_SECONDS = 10.0
#: How long a widget message waits for the fan-out's Redis to answer before it is refused.
FAN_OUT_PING_SECONDS = 2.0
#: Replies to widgets go through the fan-out's Redis when the server has several workers.
FAN_OUT = Outage(
    "The socket.io fan-out (Redis, SHOPDESK_SOCKETIO_REDIS_URL, else SHOPDESK_LOCK_STORE_URL)",
    logger,
)
#: The acknowledgement's error while replies cannot reach shoppers (the widget shows it).
FAN_OUT_DOWN = "The chat cannot deliver answers right now. Please send it again in a moment."


async def replies_can_reach_shoppers(sio: AsyncServer) -> bool:
    """Whether a reply emitted now reaches the shopper: the fan-out's Redis answers a PING.

    With a Redis client manager every emit goes through Redis, and python-socketio logs and
    drops one it cannot publish. A message accepted then would be handled and stored with
    its answer lost, and the widget does not send an acknowledged message again; refused, it
    stays on the shopper's screen as not sent. Without a Redis manager: always ``True``.
    """
    redis = getattr(sio.manager, "redis", None)
    if not isinstance(sio.manager, AsyncRedisManager) or redis is None:
        return True
    try:
        await asyncio.wait_for(redis.ping(), FAN_OUT_PING_SECONDS)
    except (RedisError, OSError, asyncio.TimeoutError) as error:
        FAN_OUT.failed(error)
        return False
    FAN_OUT.recovered()
    return True


async def subscribe_to_fan_out(sio: AsyncServer) -> None:
    """Subscribes this worker to the Redis fan-out channel before any shopper connects.

    python-socketio starts the Redis listener only on the first connection, so every emit
    published before its SUBSCRIBE reached Redis was lost: after a restart the first shopper
    to reconnect could miss ``session_confirm`` and their first replies.
    """
    manager = sio.manager
    if not isinstance(manager, AsyncRedisManager) or sio.manager_initialized:
        return
    sio.manager_initialized = True
    manager.initialize()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + FAN_OUT_READY_SECONDS
    while not manager.pubsub.subscribed:
        if loop.time() > deadline:
            logger.warning(
                "socket.io: not subscribed to the Redis channel after %.0f s; replies sent "
                "from other workers may not reach shoppers until it is. Check that Redis "
                "(SHOPDESK_SOCKETIO_REDIS_URL, else SHOPDESK_LOCK_STORE_URL) answers.",
                FAN_OUT_READY_SECONDS,
            )
            return
        await asyncio.sleep(0.05)


class ShopSocketIOInput(SocketIOInput):
    """The widget's socket.io channel: Rasa's, fixed and checked, plus the staff endpoint.

    * the session's room is entered with ``await`` when python-socketio's ``enter_room`` is a
      coroutine (>= 5.10), so replies reach a persistent session on every version;
    * connections from origins not in ``SHOPDESK_WIDGET_ORIGINS`` are refused;
    * malformed, oversized and unknown events get an ``shopdesk_error`` event or are dropped
      with a log line; a message resent with the same ``message_id`` is handled once (the
      stored-conversation check of ``bot/retries.py``) and its replies say which message they
      answer (:class:`ShopSocketIOOutput`), so the widget shows each once;
    * with a Redis URL the server uses python-socketio's ``AsyncRedisManager``, so an emit
      from any worker reaches the worker holding the shopper's socket; each worker subscribes
      before it serves, ``session_confirm`` goes straight to the local socket, and a message
      is refused (not sent, says the widget) while that Redis does not answer;
    * ``POST /webhooks/shopdesk/staff_message`` (API token) sends a staff message or a
      joined/left line to a shopper and keeps it in the transcript.
    """

    def __init__(
        self,
        *args: Any,
        allowed_origins: list[str] | None = None,
        redis_url: str = "",
        max_message_chars: int = 5000,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.allowed_origins = allowed_origins or ["*"]
        self.redis_url = redis_url
        self.max_message_chars = max_message_chars

    @classmethod
    def name(cls) -> str:
        """``shopdesk``: the channel's routes are under ``/webhooks/shopdesk/``."""
        return "shopdesk"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> ShopSocketIOInput:
        """Builds the channel from ``credentials.yml`` and shopdesk's settings."""
        credentials = credentials or {}
        settings = get_settings()
        return cls(
            credentials.get("user_message_evt", "user_uttered"),
            credentials.get("bot_message_evt", "bot_uttered"),
            credentials.get("namespace"),
            credentials.get("session_persistence", True),
            credentials.get("socketio_path", "/socket.io"),
            allowed_origins=settings.widget_origin_list,
            redis_url=settings.socketio_manager_url,
            max_message_chars=credentials.get("max_message_chars") or settings.max_message_chars,
        )

    def get_output_channel(self) -> ShopSocketIOOutput | None:
        """The output channel for messages sent outside a shopper's request."""
        if self.sio is None:
            return None
        return ShopSocketIOOutput(self.sio, self.bot_message_evt)

    def origin_allowed(self, origin: str | None) -> bool:
        """Whether a browser page from ``origin`` may connect (no Origin: not a browser)."""
        return not origin or "*" in self.allowed_origins or origin in self.allowed_origins

    def _server(self) -> AsyncServer:
        manager = None
        if self.redis_url:
            manager = AsyncRedisManager(self.redis_url, channel="shopdesk-socketio")
        # CORS headers come from Rasa's --cors (Sanic-CORS); the engine adds none of its own.
        return ShopAsyncServer(
            async_mode="sanic",
            cors_allowed_origins=[],
            client_manager=manager,
            max_http_buffer_size=MAX_PACKET_BYTES,
        )

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The socket.io server, its event handlers and the staff message route."""
        sio = self._server()
        self.sio = sio
        bp = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        namespace = self.namespace

        @bp.listener("after_server_start")
        async def fan_out(*_: Any) -> None:
            await subscribe_to_fan_out(sio)

        async def refuse(sid: str, reason: str) -> None:
            logger.info("socket.io event from %s dropped: %s", sid, reason)
            await sio.emit(ERROR_EVENT, {"error": reason}, room=sid, namespace=namespace)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=namespace)
        async def connect(sid: str, environ: Any, auth: Any = None) -> bool:
            if not isinstance(environ, dict):
                # python-socketio 5.9 hands a client's own "connect" event to this handler.
                await refuse(sid, "Unknown event 'connect'.")
                return False
            origin = environ.get("HTTP_ORIGIN")
            if not self.origin_allowed(origin):
                logger.warning(
                    "socket.io connection from origin %s refused: add it to "
                    "SHOPDESK_WIDGET_ORIGINS to let that site embed the widget.",
                    origin,
                )
                return False
            request = environ.get("sanic.request")
            ip = client_ip(request) if request is not None else ""
            if await channel_limiter().retry_after(ip=ip) is not None:
                return False
            await sio.save_session(sid, {"ip": ip}, namespace=namespace)
            return True

        @sio.on("session_request", namespace=namespace)
        async def session_request(sid: str, data: Any = None, *_: Any) -> None:
            requested = data.get("session_id") if isinstance(data, dict) else None
            if requested is None:
                requested = secrets.token_hex(16)
            if not isinstance(requested, str) or not SESSION_ID.match(requested):
                await refuse(
                    sid, "The session id must be 22-128 letters, digits, '-' or '_' (random)."
                )
                return
            if self.session_persistence:
                entered = sio.enter_room(sid, requested, namespace=namespace)
                if inspect.isawaitable(entered):
                    await entered
            session = await sio.get_session(sid, namespace=namespace)
            await sio.save_session(sid, {**session, "session_id": requested}, namespace=namespace)
            # The socket is this worker's own: no round trip through the Redis fan-out.
            await sio.emit(
                "session_confirm", requested, room=sid, namespace=namespace, ignore_queue=True
            )

        @sio.on(self.user_message_evt, namespace=namespace)
        async def handle_message(sid: str, data: Any = None, *_: Any) -> dict[str, Any]:
            session = await sio.get_session(sid, namespace=namespace)
            confirmed = session.get("session_id") if self.session_persistence else sid
            try:
                sender, text, metadata, message_id = parse_user_event(
                    data, confirmed, self.max_message_chars
                )
            except WebhookError as error:
                await refuse(sid, str(error))
                return {"ok": False, "error": str(error)}
            wait = await channel_limiter().retry_after(ip=session.get("ip"), sender=sender)
            if wait is not None:
                refusal = f"Too many messages: wait {wait} s before sending the next one."
                await refuse(sid, refusal)
                return {"ok": False, "error": refusal, "retry_after": wait}
            if not await replies_can_reach_shoppers(sio):
                return {"ok": False, "error": FAN_OUT_DOWN}
            if message_id:
                # Sent again (a resend after a reconnect, a duplicate emit): answered from the
                # stored conversation inside the conversation's lock (bot/retries.py).
                metadata = {**metadata, MESSAGE_ID: message_id}
            message = UserMessage(
                text,
                ShopSocketIOOutput(sio, self.bot_message_evt, reply_to=message_id or None),
                sender,
                input_channel=self.name(),
                metadata=metadata,
                message_id=message_id or None,
            )
            # Acknowledged on receipt; the answer follows as bot events (Rasa's lock store
            # keeps the conversation's messages in order).
            sio.start_background_task(on_new_message, message)
            return {"ok": True}

        @sio.on("*", namespace=namespace)
        async def unknown_event(event: str, sid: str, *_: Any) -> None:
            await refuse(sid, f"Unknown event {str(event)[:40]!r}.")

        @bp.route("/staff_message", methods=["POST"])
        async def staff_message(request: Request) -> HTTPResponse:
            if not self._authorised(request):
                return response.json(
                    {
                        "error": "Missing or wrong API token: send ?token=<SHOPDESK_API_TOKEN> "
                        "or the header Authorization: Bearer <SHOPDESK_API_TOKEN>."
                    },
                    status=401,
                )
            try:
                body = parse_staff_message(request.body, self.max_message_chars)
            except WebhookError as error:
                return response.json({"error": str(error)}, status=error.status)
            agent = request.app.ctx.agent
            sender = body["sender"]
            if not await agent.tracker_store.exists(sender):
                return response.json(
                    {"error": f"There is no conversation {sender!r}: check the sender id."},
                    status=404,
                )
            text = staff_line(body["agent"], body["kind"], body["text"])
            staff = {"agent": body["agent"], "kind": body["kind"]}
            async with agent.lock_store.lock(sender):
                tracker = await agent.tracker_store.retrieve(sender)
                tracker.update(BotUttered(text, metadata={"staff": staff}))
                await agent.tracker_store.save(tracker)
            # A conversation from a messaging app gets the reply there (imported here:
            # bot.messaging imports this module).
            from bot.messaging.outputs import messaging_output

            output = messaging_output(tracker.get_latest_input_channel())
            if output is not None:
                await output.send_response(sender, {"text": text})
            else:
                await sio.emit(
                    self.bot_message_evt,
                    {"text": text, "staff": staff},
                    room=sender,
                    namespace=namespace,
                )
            return response.json({"sent": True, "sender": sender, "text": text})

        return bp

    @staticmethod
    def _authorised(request: Request) -> bool:
        """The request carries Rasa's API token (query ``token`` or a Bearer header)."""
        expected = api_token(get_settings())
        provided = request.args.get("token") or ""
        header = request.headers.get("Authorization", "")
        if header.lower().startswith("bearer "):
            provided = provided or header[7:].strip()
        return bool(provided) and hmac.compare_digest(provided.encode(), expected.encode())
