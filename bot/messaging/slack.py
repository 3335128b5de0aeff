"""Slack: signed requests inside a 5-minute window, replies as Block Kit with buttons.

Rasa's ``SlackInput`` checks the signature but answers a retried event again unless told to
ignore retries (which also drops genuine ones), replies through a client created per message,
and shows products as plain text. This channel

* refuses a request without ``X-Slack-Signature``/``X-Slack-Request-Timestamp`` (401), with a
  timestamp more than 5 minutes from now (403: a replayed request) or with a signature other
  than ``v0=`` + HMAC-SHA256 of ``v0:<timestamp>:<body>`` under the signing secret (403);
* answers Slack's ``url_verification`` challenge; answers a retried ``event_id`` once;
  ignores the bot's own messages, edits and joins; answers files with what the bot can read;
* reads direct messages and mentions (one conversation per channel and user), and button
  taps (``block_actions``, which arrive as the button's payload);
* renders texts as sections (split at 3,000 characters), each product as a section with its
  picture, price and "View"/"More like this" buttons, and buttons as an actions block.
"""

from __future__ import annotations

import json
import logging
import re
import time
from typing import Any
from urllib.parse import parse_qs

from rasa.core.channels.slack import SlackInput
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import WebhookError
from bot.messaging.common import (
    Button,
    Incoming,
    PlatformError,
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

SIGNATURE_HEADER = "X-Slack-Signature"
TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"
#: Slack's replay window: a request signed longer ago than this is refused.
REPLAY_WINDOW_SECONDS = 300
SECTION_LIMIT = 3000
BLOCKS_LIMIT = 50
BUTTON_TEXT_LIMIT = 75
BUTTONS_LIMIT = 25
#: Message subtypes that are not a shopper writing (edits, joins, the bot itself).
IGNORED_SUBTYPES = {"message_changed", "message_deleted", "bot_message", "channel_join"}
MENTION = re.compile(r"<@[A-Z0-9]+>\s*")


def mrkdwn(text: str) -> str:
    """``text`` escaped for Slack's mrkdwn (``&``, ``<``, ``>``)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def button(item: Button, action_id: str) -> dict[str, Any]:
    """A Block Kit button whose tap sends ``item.payload``."""
    return {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": shorten(item.title, BUTTON_TEXT_LIMIT)},
        "value": item.payload[:2000],
    }


def blocks_of(reply: Reply) -> list[dict[str, Any]]:
    """The Block Kit blocks of a reply: text sections, product sections, buttons."""
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn(piece)}}
        for piece in split_text(reply.intro, SECTION_LIMIT)
    ]
    for number, product in enumerate(reply.products):
        title = mrkdwn(product.title)
        heading = f"*<{product.url}|{title}>*" if product.url else f"*{title}*"
        section: dict[str, Any] = {
            "type": "section",
            "text": {"type": "mrkdwn", "text": f"{heading}\n{mrkdwn(product.subtitle)}"},
        }
        if public_link(product.image_url):
            section["accessory"] = {
                "type": "image",
                "image_url": product.image_url,
                "alt_text": shorten(product.title, 2000),
            }
        actions = [button(product.more_like_this, f"more_{number}")]
        if product.url:
            actions.insert(
                0,
                {
                    "type": "button",
                    "action_id": f"view_{number}",
                    "text": {"type": "plain_text", "text": "View"},
                    "url": product.url,
                },
            )
        blocks += [section, {"type": "actions", "elements": actions}]
    if reply.buttons:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    button(b, f"button_{n}") for n, b in enumerate(reply.buttons[:BUTTONS_LIMIT])
                ],
            }
        )
    if reply.image:
        blocks.append({"type": "image", "image_url": reply.image, "alt_text": "image"})
    return blocks


class SlackShopOutput(PlatformOutput):
    """Sends replies with ``chat.postMessage``."""

    def __init__(self, bot_token: str, api_url: str) -> None:
        self.bot_token = bot_token
        self.url = f"{api_url.rstrip('/')}/chat.postMessage"

    @classmethod
    def name(cls) -> str:
        return "slack"

    async def send_reply(self, recipient_id: str, reply: Reply) -> None:
        """The reply's blocks, in messages of at most 50 blocks."""
        channel = address_of(recipient_id).split(":")[0]
        blocks = blocks_of(reply)
        fallback = shorten(reply.text or (reply.products[0].title if reply.products else ""), 3000)
        for start in range(0, len(blocks), BLOCKS_LIMIT):
            answer = await call_api(
                "POST",
                self.url,
                json={
                    "channel": channel,
                    "text": fallback,
                    "blocks": blocks[start : start + BLOCKS_LIMIT],
                },
                headers={"Authorization": f"Bearer {self.bot_token}"},
            )
            if not isinstance(answer, dict) or not answer.get("ok"):
                error = answer.get("error") if isinstance(answer, dict) else answer
                raise PlatformError(f"Slack chat.postMessage: {error}")


class SlackShopInput(SecuredWebhook, SlackInput):
    """Slack's Events API and interactivity at ``/webhooks/slack/webhook``, signed."""

    title = "Slack"
    settings_key = "slack"

    def __init__(self, settings: Settings) -> None:
        super().__init__(
            settings, settings.slack_bot_token, slack_signing_secret=settings.slack_signing_secret
        )
        self.api_url = settings.slack_api_url

    @classmethod
    def name(cls) -> str:
        return "slack"

    def platform_output(self) -> SlackShopOutput:
        return SlackShopOutput(self.slack_token, self.api_url)

    def authenticate(self, request: Request) -> None:
        signature = request.headers.get(SIGNATURE_HEADER)
        stamp = request.headers.get(TIMESTAMP_HEADER)
        if not signature or not stamp:
            raise Refused(401, f"{SIGNATURE_HEADER} or {TIMESTAMP_HEADER} is missing.")
        try:
            age = abs(time.time() - int(stamp))
        except ValueError:
            raise Refused(403, f"{TIMESTAMP_HEADER} is not a Unix time.") from None
        if age > REPLAY_WINDOW_SECONDS:
            raise Refused(403, f"The request was signed {age:.0f} s ago (a replay?); refused.")
        base = b"v0:" + stamp.encode() + b":" + (request.body or b"")
        if not same_secret(signature, "v0=" + hmac_hex(self.slack_signing_secret, base)):
            raise Refused(403, f"{SIGNATURE_HEADER} does not match the signing secret.")

    def sender(self, channel: str, user: str) -> str:
        """The conversation of ``user`` in ``channel``."""
        return conversation_id(self.name(), f"{channel}:{user}", self.slack_signing_secret)

    def parse(self, request: Request) -> list[Incoming] | HTTPResponse:
        if request.content_type.startswith("application/x-www-form-urlencoded"):
            return self._interaction(request)
        body = json_body(request)
        if body.get("type") == "url_verification":
            return response.json({"challenge": str(body.get("challenge", ""))})
        event = body.get("event")
        if body.get("type") != "event_callback" or not isinstance(event, dict):
            logger.info("Slack request of type %r ignored.", body.get("type"))
            return []
        event_id = body.get("event_id")
        if not isinstance(event_id, str):
            raise WebhookError("The event_callback has no event_id.")
        kind, subtype = event.get("type"), event.get("subtype")
        direct = kind == "message" and event.get("channel_type") == "im"
        if not (direct or kind == "app_mention") or event.get("bot_id"):
            logger.info(
                "Slack %s event %s is not a shopper writing to the bot; ignored.", kind, event_id
            )
            return []
        if subtype in IGNORED_SUBTYPES:
            logger.info("Slack %s event %s ignored.", subtype, event_id)
            return []
        channel, user = event.get("channel"), event.get("user")
        if not isinstance(channel, str) or not isinstance(user, str):
            raise WebhookError("The message event has no channel or user.")
        sender = self.sender(channel, user)
        text = MENTION.sub("", str(event.get("text") or "")).strip()
        if subtype == "file_share" or (event.get("files") and not text):
            return [Incoming(sender, event_id, unreadable="files or pictures")]
        if not text:
            logger.info("Slack message %s has no text; ignored.", event_id)
            return []
        return [Incoming(sender, event_id, text=text)]

    def _interaction(self, request: Request) -> list[Incoming]:
        """A button tap (``block_actions``): its value is the shopper's message."""
        fields = parse_qs((request.body or b"").decode("utf-8", "replace"))
        try:
            payload = json.loads(fields["payload"][0])
        except (KeyError, IndexError, json.JSONDecodeError, RecursionError) as exc:
            raise WebhookError("The interaction has no JSON payload field.") from exc
        if not isinstance(payload, dict) or payload.get("type") != "block_actions":
            logger.info(
                "Slack interaction of type %r ignored.", getattr(payload, "get", str)("type")
            )
            return []
        actions = payload.get("actions") or [{}]
        action = actions[0] if isinstance(actions[0], dict) else {}
        user = (payload.get("user") or {}).get("id")
        channel = (payload.get("channel") or {}).get("id") or (payload.get("container") or {}).get(
            "channel_id"
        )
        if not action.get("value"):
            logger.info("Slack tap on a link button: Slack opens the page, nothing to answer.")
            return []
        if not isinstance(user, str) or not isinstance(channel, str):
            raise WebhookError("The interaction has no user.id or channel.id.")
        action_id = f"{action.get('action_ts') or payload.get('trigger_id')}"
        return [Incoming(self.sender(channel, user), action_id, text=str(action["value"]))]
