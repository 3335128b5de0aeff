"""The redacting conversation store: no personal data reaches the database, broker or memory."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from rasa.core.brokers.sql import SQLEventBroker
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered

from bot.redaction import RedactingTrackerStore
from tests.bot.test_tracker_store import BOT_DOMAIN, handle

EMAIL = "jordan.keller@example.org"
CARD = "4111 1111 1111 1111"
PHONE = "(415) 555-0134"
STREET = "742 Evergreen Terrace"
PROOF = "12:1764517000:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(BOT_DOMAIN))


def shopper_turn(text: str, entities: list[dict] | None = None) -> list:
    return [
        UserUttered(
            text,
            {"name": "inform", "confidence": 0.9},
            entities or [],
            metadata={"note": text},
        ),
        ActionExecuted("validate_verification_form"),
        BotUttered(f"You wrote {text}", data={"custom": {"echo": text}}),
        ActionExecuted("action_listen"),
    ]


async def test_nothing_personal_is_written_and_ids_stay(domain: Domain, tmp_path: Path) -> None:
    broker = SQLEventBroker(db=str(tmp_path / "broker.db"))
    store = RedactingTrackerStore(
        domain, dialect="sqlite", db=str(tmp_path / "conv.db"), event_broker=broker
    )
    text = f"order 10002, my email is {EMAIL} and my card {CARD}"
    start = text.index(EMAIL)
    email_entity = {"entity": "email", "value": EMAIL, "start": start, "end": start + len(EMAIL)}
    order_entity = {"entity": "order_number", "value": "10002", "start": 6, "end": 11}
    tracker = await handle(store, "s1", shopper_turn(text, [order_entity, email_entity]))
    events = [
        SlotSet("contact", EMAIL),
        SlotSet("order_number", "10002"),
        SlotSet("verification_proof", PROOF),
        SlotSet("new_address", f"Jordan Keller, {STREET}, Springfield, IL 62704"),
        *shopper_turn(f"call me on {PHONE}"),
    ]
    tracker = await handle(store, "s1", events)

    # The tracker kept in memory (and handed to the next message) is masked too.
    assert tracker.get_slot("contact") == "<EMAIL>"
    assert tracker.get_slot("order_number") == "10002"
    assert tracker.get_slot("verification_proof") == PROOF
    assert tracker.get_slot("new_address") == "<NAME>, <ADDRESS>, Springfield, IL 62704"
    user = [e for e in tracker.events if isinstance(e, UserUttered)][0]
    assert user.text == "order 10002, my email is <EMAIL> and my card <CARD>"
    entities = {e["entity"]: e for e in user.parse_data["entities"]}
    assert entities["email"]["value"] == "<EMAIL>"
    assert user.text[entities["email"]["start"] : entities["email"]["end"]] == "<EMAIL>"
    assert entities["order_number"]["value"] == "10002"

    # Read back after a restart: the same masked conversation.
    reread = await RedactingTrackerStore(
        domain, dialect="sqlite", db=str(tmp_path / "conv.db")
    ).retrieve("s1")
    assert reread is not None
    assert reread.get_slot("contact") == "<EMAIL>"
    assert reread.get_slot("verification_proof") == PROOF

    store.engine.dispose()
    broker.engine.dispose()
    for path in tmp_path.iterdir():  # the databases and their write-ahead logs
        data = path.read_bytes()
        for secret in (EMAIL, CARD, PHONE, STREET, "Jordan Keller"):
            assert secret.encode() not in data, (secret, path.name)
    with broker.session_scope() as session:
        published = [json.loads(row.data) for row in session.query(broker.SQLBrokerEvent).all()]
    assert any(e.get("text") == "call me on <PHONE>" for e in published)


def test_log_messages_are_masked(domain: Domain, tmp_path: Path, caplog) -> None:
    factory = logging.getLogRecordFactory()
    try:
        RedactingTrackerStore(domain, dialect="sqlite", db=str(tmp_path / "conv.db"))
        with caplog.at_level(logging.INFO):
            logging.getLogger("shop.test").info("shopper said %s", f"mail {EMAIL} now")
    finally:
        logging.setLogRecordFactory(factory)
    assert EMAIL not in caplog.text
    assert "mail <EMAIL> now" in caplog.text
