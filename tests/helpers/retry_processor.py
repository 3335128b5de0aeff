"""A Rasa ``MessageProcessor`` behind ``bot/retries.py`` that answers without a model.

Rasa's ``handle_message`` starts with ``log_message``: the conversation fetched
(``get_tracker``), its session checked and the user message logged. That part runs as Rasa's
own code (the NLU result comes with the message); the policies are replaced by one answer,
``echo: <text>``, sent as Rasa sends a bot message and saved with the conversation. Reads of
the conversation store are counted (:attr:`CountingStore.reads`).
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import retries

#: What the stand-in NLU reads any message as.
PARSE_DATA = {"intent": {"name": "greet", "confidence": 1.0}, "entities": []}


class CountingStore(InMemoryTrackerStore):
    """Rasa's in-memory tracker store, counting the conversations read from it."""

    reads = 0

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """Rasa's ``retrieve``, counted."""
        self.reads += 1
        return await super().retrieve(sender_id)


async def handle_up_to_the_nlu(self: MessageProcessor, message: UserMessage) -> list[dict] | None:
    """Rasa's ``handle_message`` with the policies replaced by one echo answer."""
    if message.parse_data is None:
        message.parse_data = {**PARSE_DATA, "text": message.text}
    tracker = await self.log_message(message, should_save_tracker=False)
    answer = BotUttered(f"echo: {message.text}")
    tracker.update(answer)
    await self.tracker_store.save(tracker)
    await message.output_channel.send_response(message.sender_id, answer.message())
    return getattr(message.output_channel, "messages", None)


def retry_checked_processor(monkeypatch: pytest.MonkeyPatch) -> MessageProcessor:
    """A processor for :func:`bot.retries.handle_message` over :func:`handle_up_to_the_nlu`,
    on a :class:`CountingStore` (``monkeypatch`` restores Rasa's classes afterwards)."""
    rasa_get_tracker = retries._wrapped.get("get_tracker", MessageProcessor.get_tracker)
    monkeypatch.setattr(
        retries, "_wrapped", {"handle": handle_up_to_the_nlu, "get_tracker": rasa_get_tracker}
    )
    monkeypatch.setattr(MessageProcessor, "get_tracker", retries.get_tracker)
    domain = Domain.empty()
    processor = MessageProcessor.__new__(MessageProcessor)
    processor.tracker_store = CountingStore(domain)
    processor.domain = domain
    processor.model_metadata = SimpleNamespace(model_id="model", assistant_id="shop")
    return processor
