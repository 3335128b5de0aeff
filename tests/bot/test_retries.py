"""A message sent again with its message id is answered from the stored conversation."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.processor import MessageProcessor
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import retries
from bot.channels import WebhookError, parse_webhook_body


def stored_conversation() -> DialogueStateTracker:
    return DialogueStateTracker.from_events(
        "shopper",
        [
            ActionExecuted("action_listen"),
            UserUttered("hi", message_id="m-1"),
            BotUttered("Hello!"),
            BotUttered("What are you looking for?", {"buttons": [{"title": "Shoes"}]}),
            ActionExecuted("action_listen"),
            UserUttered("shoes", message_id="m-2"),
            BotUttered("Here are shoes."),
            ActionExecuted("action_listen"),
        ],
    )


def test_the_answers_stored_after_a_message_are_found_by_its_id() -> None:
    tracker = stored_conversation()
    first = retries.stored_answers(tracker, "m-1")
    assert [a["text"] for a in first] == ["Hello!", "What are you looking for?"]
    assert first[1]["buttons"] == [{"title": "Shoes"}]
    assert [a["text"] for a in retries.stored_answers(tracker, "m-2")] == ["Here are shoes."]
    assert retries.stored_answers(tracker, "m-3") is None


class CountingStore(InMemoryTrackerStore):
    """Rasa's in-memory tracker store, counting the conversations read from it."""

    reads = 0

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        self.reads += 1
        return await super().retrieve(sender_id)


@pytest.fixture
def processor(monkeypatch) -> MessageProcessor:
    """A processor over a stored conversation whose handling is Rasa's up to the NLU.

    Rasa's ``handle_message`` starts with ``log_message``: the conversation fetched
    (``get_tracker``), its session checked and the user message logged. That is run as is (the
    NLU result comes with the message); the policies are replaced by one answer, saved.
    """
    rasa_get_tracker = retries._wrapped.get("get_tracker", MessageProcessor.get_tracker)

    async def handle_up_to_the_nlu(self: MessageProcessor, message: UserMessage) -> list[dict]:
        tracker = await self.log_message(message, should_save_tracker=False)
        tracker.update(BotUttered(f"echo: {message.text}"))
        await self.tracker_store.save(tracker)
        await message.output_channel.send_text_message(message.sender_id, f"echo: {message.text}")
        return message.output_channel.messages

    monkeypatch.setattr(
        retries, "_wrapped", {"handle": handle_up_to_the_nlu, "get_tracker": rasa_get_tracker}
    )
    monkeypatch.setattr(MessageProcessor, "get_tracker", retries.get_tracker)
    domain = Domain.empty()
    store = CountingStore(domain)
    asyncio.run(store.save(stored_conversation()))
    store.reads = 0
    processor = MessageProcessor.__new__(MessageProcessor)
    processor.tracker_store = store
    processor.domain = domain
    processor.model_metadata = SimpleNamespace(model_id="model", assistant_id="shop")
    return processor


def message(text: str, message_id: str | None) -> UserMessage:
    metadata = {retries.MESSAGE_ID: message_id} if message_id else None
    parse_data = {"intent": {"name": "greet", "confidence": 1.0}, "entities": [], "text": text}
    return UserMessage(
        text,
        CollectingOutputChannel(),
        "shopper",
        metadata=metadata,
        message_id=message_id,
        parse_data=parse_data,
    )


def test_a_retried_message_gets_its_stored_answer_and_is_not_handled_again(processor) -> None:
    answers = asyncio.run(retries.handle_message(processor, message("hi", "m-1")))
    assert [a["text"] for a in answers] == ["Hello!", "What are you looking for?"]
    assert processor.tracker_store.reads == 1
    stored = asyncio.run(processor.tracker_store.retrieve("shopper"))
    assert sum(isinstance(e, UserUttered) for e in stored.events) == 2


def test_a_new_message_with_an_id_is_handled_with_one_read_of_the_conversation(processor) -> None:
    answers = asyncio.run(retries.handle_message(processor, message("socks", "m-3")))
    assert [a["text"] for a in answers] == ["echo: socks"]
    assert processor.tracker_store.reads == 1
    # Sent again: answered from the store, not handled a second time.
    again = asyncio.run(retries.handle_message(processor, message("socks", "m-3")))
    assert [a["text"] for a in again] == ["echo: socks"]
    stored = asyncio.run(processor.tracker_store.retrieve("shopper"))
    assert [e.message_id for e in stored.events if isinstance(e, UserUttered)] == [
        "m-1",
        "m-2",
        "m-3",
    ]


def test_a_message_without_an_id_takes_rasas_path_unchanged(processor) -> None:
    answers = asyncio.run(retries.handle_message(processor, message("hi", None)))
    assert [a["text"] for a in answers] == ["echo: hi"]
    assert processor.tracker_store.reads == 1


def test_the_rest_body_carries_a_message_id_of_the_clients() -> None:
    body = {"sender": "s", "message": "hi", "message_id": "c-17"}
    assert parse_webhook_body(json.dumps(body).encode(), 100)["message_id"] == "c-17"


@pytest.mark.parametrize("message_id", [17, "", "x" * 65, ["a"]])
def test_a_message_id_that_is_not_a_short_string_is_refused(message_id) -> None:
    body = {"sender": "s", "message": "hi", "message_id": message_id}
    with pytest.raises(WebhookError, match="message_id"):
        parse_webhook_body(json.dumps(body).encode(), 100)
