"""The REST channel with input checks: malformed or oversized webhooks get a clear error.

Rasa's own ``RestInput`` answers a malformed body with a stack trace in the log and an
empty reply, and hands a 1 MB message to the NLU pipeline. This subclass checks the body
where it enters and answers with a JSON error that says what to fix; valid messages take
exactly Rasa's path. It keeps the channel name ``rest``, so the URL stays
``/webhooks/rest/webhook``.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from shopdesk.settings import get_settings

MAX_SENDER_CHARS = 200


class WebhookError(ValueError):
    """A webhook body that cannot be processed; the message says what to change."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def parse_webhook_body(raw: bytes, max_message_chars: int) -> dict[str, Any]:
    """Check a REST webhook body and return it as a dict, or raise :class:`WebhookError`."""
    try:
        body = json.loads(raw or b"")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WebhookError(
            f"The request body is not valid JSON ({exc}). Send "
            '{"sender": "<conversation id>", "message": "<text>"} with Content-Type: application/json.'
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
            try:
                body = parse_webhook_body(request.body, self.max_message_chars)
            except WebhookError as error:
                return response.json({"error": str(error)}, status=error.status)
            collector = CollectingOutputChannel()
            await on_new_message(
                UserMessage(
                    body["message"],
                    collector,
                    body["sender"],
                    input_channel=body.get("input_channel") or self.name(),
                    metadata=body.get("metadata"),
                )
            )
            return response.json(collector.messages)

        return webhook
