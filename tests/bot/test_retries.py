"""A message sent again with its message id is answered from the stored conversation."""

from __future__ import annotations

import asyncio
import json

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import retries
from bot.channels import WebhookError, parse_webhook_body
from tests.helpers.retry_processor import retry_checked_processor


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


@pytest.fixture
def processor(monkeypatch) -> MessageProcessor:
    """A processor running Rasa's handling up to the NLU over the stored conversation."""
    processor = retry_checked_processor(monkeypatch)
    asyncio.run(processor.tracker_store.save(stored_conversation()))
    processor.tracker_store.reads = 0
    return processor


def message(text: str, message_id: str | None) -> UserMessage:
    metadata = {retries.MESSAGE_ID: message_id} if message_id else None
    return UserMessage(
        text, CollectingOutputChannel(), "shopper", metadata=metadata, message_id=message_id
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


def test_a_message_id_only_in_the_clients_metadata_is_not_checked(processor) -> None:
    forged = UserMessage(
        "hi", CollectingOutputChannel(), "shopper", metadata={retries.MESSAGE_ID: "m-1"}
    )
    assert retries.client_message_id(forged) is None
    answers = asyncio.run(retries.handle_message(processor, forged))
    assert [a["text"] for a in answers] == ["echo: hi"]


def test_the_rest_body_carries_a_message_id_of_the_clients() -> None:
    body = {"sender": "s", "message": "hi", "message_id": "c-17"}
    assert parse_webhook_body(json.dumps(body).encode(), 100)["message_id"] == "c-17"


@pytest.mark.parametrize("message_id", [17, "", "x" * 65, ["a"]])
def test_a_message_id_that_is_not_a_short_string_is_refused(message_id) -> None:
    body = {"sender": "s", "message": "hi", "message_id": message_id}
    with pytest.raises(WebhookError, match="message_id"):
        parse_webhook_body(json.dumps(body).encode(), 100)
