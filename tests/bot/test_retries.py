"""A message sent again with its message id is answered from the stored conversation."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
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


def test_a_retried_message_gets_its_stored_answer_and_is_not_handled_again() -> None:
    store = InMemoryTrackerStore(Domain.empty())
    asyncio.run(store.save(stored_conversation()))
    processor = SimpleNamespace(tracker_store=store)
    collector = CollectingOutputChannel()
    retry = UserMessage(
        "hi", collector, "shopper", metadata={retries.MESSAGE_ID: "m-1"}, message_id="m-1"
    )
    # A processor that would handle the message again has no Rasa model: it would fail.
    answers = asyncio.run(retries.handle_message(processor, retry))  # type: ignore[arg-type]
    assert [a["text"] for a in answers] == ["Hello!", "What are you looking for?"]
    stored = asyncio.run(store.retrieve("shopper"))
    assert sum(isinstance(e, UserUttered) for e in stored.events) == 2


def test_the_rest_body_carries_a_message_id_of_the_clients() -> None:
    body = {"sender": "s", "message": "hi", "message_id": "c-17"}
    assert parse_webhook_body(json.dumps(body).encode(), 100)["message_id"] == "c-17"


@pytest.mark.parametrize("message_id", [17, "", "x" * 65, ["a"]])
def test_a_message_id_that_is_not_a_short_string_is_refused(message_id) -> None:
    body = {"sender": "s", "message": "hi", "message_id": message_id}
    with pytest.raises(WebhookError, match="message_id"):
        parse_webhook_body(json.dumps(body).encode(), 100)
