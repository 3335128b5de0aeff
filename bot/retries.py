"""A message sent again with the same message id is handled once, on any replica.

A client that gets no answer (the replica it talked to was killed, a timeout, a dropped
connection) sends the message again, often to another replica. Rasa's REST channel has no
message ids, so the retry was a second user message with a second answer. Here a message that
carries a client's ``message_id`` (``"message_id"`` in the REST body, ``bot/channels.py``; the
widget's socket.io messages) is checked against the stored conversation inside the
conversation's lock, before Rasa handles it: when a user message with that id is already
stored, it is not handled again and the answers stored after it are sent instead.

The check costs no read of its own: :func:`handle_message` fetches the conversation the way
Rasa's ``MessageProcessor.handle_message`` would (``get_tracker``), checks it, and hands that
same tracker to Rasa's handling, whose one ``get_tracker`` call takes it instead of reading the
store again (:func:`get_tracker`).

The check reads what is stored, so it holds across replicas and restarts: Rasa saves a
message's events in one transaction once it is handled, so a message whose handling died
before the save is handled by the retry, and one that was saved is answered from the store.
(Answers are replayed as stored, with personal data masked when ``SHOPDESK_REDACT_PII`` is on.)
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

#: Metadata key a channel sets to the client's own id of a message.
MESSAGE_ID = "message_id"
#: Longest message id a channel accepts.
MAX_MESSAGE_ID_CHARS = 64

_wrapped: dict[str, Any] = {}
#: The tracker :func:`handle_message` fetched, waiting for Rasa's ``get_tracker`` call.
_fetched: ContextVar[DialogueStateTracker | None] = ContextVar("_fetched", default=None)


def client_message_id(message: UserMessage) -> str | None:
    """The client's id of ``message`` (set by the channel), or ``None`` when it sent none.

    The channel puts the id in the metadata and makes it the message's id; a ``message_id``
    inside metadata the client wrote itself, with no id of the message, is not one.
    """
    value = (message.metadata or {}).get(MESSAGE_ID)
    return value if isinstance(value, str) and value and value == message.message_id else None


def stored_answers(tracker: DialogueStateTracker, message_id: str) -> list[dict] | None:
    """The bot messages stored after the user message ``message_id``; ``None`` if not stored."""
    events = list(tracker.events)
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if isinstance(event, UserUttered) and event.message_id == message_id:
            answers = []
            for later in events[index + 1 :]:
                if isinstance(later, UserUttered):
                    break
                if isinstance(later, BotUttered):
                    answers.append(later.message())
            return answers
    return None


async def handle_message(self: MessageProcessor, message: UserMessage) -> list[dict] | None:
    """``MessageProcessor.handle_message``, answering a stored message from the store."""
    message_id = client_message_id(message)
    if message_id is None:
        return await _wrapped["handle"](self, message)
    tracker = await self.get_tracker(message.sender_id)
    answers = stored_answers(tracker, message_id)
    if answers is None:
        token = _fetched.set(tracker)
        try:
            return await _wrapped["handle"](self, message)
        finally:
            _fetched.reset(token)
    logger.info(
        "Message %s of %s was already handled; its stored answer was sent again.",
        message_id,
        message.sender_id,
    )
    if message.output_channel is not None:
        for answer in answers:
            await message.output_channel.send_response(message.sender_id, answer)
    if isinstance(message.output_channel, CollectingOutputChannel):
        return message.output_channel.messages
    return None


async def get_tracker(self: MessageProcessor, conversation_id: str) -> DialogueStateTracker:
    """``MessageProcessor.get_tracker``; the tracker :func:`handle_message` fetched, if any."""
    fetched = _fetched.get()
    if fetched is not None and fetched.sender_id == conversation_id:
        _fetched.set(None)
        return fetched
    return await _wrapped["get_tracker"](self, conversation_id)


def install() -> None:
    """Wrap ``MessageProcessor.handle_message`` and ``get_tracker`` (idempotent)."""
    if _wrapped:
        return
    _wrapped.update(
        handle=MessageProcessor.handle_message, get_tracker=MessageProcessor.get_tracker
    )
    MessageProcessor.handle_message = handle_message  # type: ignore[method-assign]
    MessageProcessor.get_tracker = get_tracker  # type: ignore[method-assign]
