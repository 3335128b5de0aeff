"""Export and forget a shopper's data; transcript retention."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from storage.db import create_engine_for
from storage.privacy import (
    EVENTS,
    RequestJournal,
    UnknownSubject,
    delete_old_transcripts,
    export_subject,
    finish_forget,
    plan_forget,
)
from storage.schema import (
    ConversationMessage,
    Customer,
    CustomerConversation,
    Interaction,
    LinkMethod,
    Order,
    PreferenceKind,
    StatedPreference,
)

SECRET = "test-key"


@pytest.fixture
def conversations(tmp_path: Path) -> Engine:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'conversations.db'}")
    EVENTS.metadata.create_all(engine)
    yield engine
    engine.dispose()


def add_conversation(engine: Engine, sender: str, customer_id: int | None, at: float) -> None:
    events = [("user", {"event": "user", "text": "where is order <NUMBER>?"})]
    events.append(("bot", {"event": "bot", "text": "What's your email?"}))
    if customer_id is not None:
        slot = {"event": "slot", "name": "verified_customer_id", "value": float(customer_id)}
        events.append(("slot", slot))
    with engine.begin() as connection:
        for type_name, data in events:
            connection.execute(
                EVENTS.insert().values(
                    sender_id=sender, type_name=type_name, timestamp=at, data=json.dumps(data)
                )
            )


def a_customer(shop: Session) -> Customer:
    return shop.execute(select(Customer).join(Order).limit(1)).scalars().first()


def test_export_holds_profile_orders_conversations_and_behaviour(
    shop: Session, conversations: Engine
) -> None:
    customer = a_customer(shop)
    add_conversation(conversations, "conv-a", customer.id, datetime.now().timestamp())
    add_conversation(conversations, "conv-other", customer.id + 1, datetime.now().timestamp())
    data = export_subject(shop, conversations, customer.email.upper())
    assert data["profile"]["email"] == customer.email
    assert [o["number"] for o in data["orders"]] == [o.number for o in customer.orders]
    assert [c["id"] for c in data["conversations"]] == ["conv-a"]
    assert data["conversations"][0]["messages"][1]["text"] == "What's your email?"


def test_forget_erases_and_anonymises_and_can_run_again(
    shop: Session, conversations: Engine, tmp_path: Path
) -> None:
    customer = a_customer(shop)
    email, name, customer_id = customer.email, customer.name, customer.id
    add_conversation(conversations, "conv-a", customer_id, datetime.now().timestamp())
    add_conversation(conversations, "conv-keep", None, datetime.now().timestamp())
    shop.add(
        ConversationMessage(
            event_id=1, sender_id="conv-a", sent_at=datetime.now(), actor="user", text="hi"
        )
    )
    shop.add(
        Interaction(
            customer_id=customer_id,
            session_id="conv-a",
            product_id=1,
            kind="view",
            occurred_at=datetime.now(),
        )
    )
    shop.add(
        CustomerConversation(
            customer_id=customer_id, sender_id="conv-linked", linked_by=LinkMethod.IDENTITY_TOKEN
        )
    )
    shop.add(
        StatedPreference(
            customer_id=customer_id, kind=PreferenceKind.SIZE, value="10", sender_id="conv-linked"
        )
    )
    shop.commit()
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "rasa-server.log").write_text(f"verified {email} ({name})\n")
    journal = RequestJournal(tmp_path / "requests.jsonl")

    plan = plan_forget(shop, conversations, email, SECRET, journal)
    # Interrupted after planning: running it again resumes the same request.
    again = plan_forget(shop, conversations, email, SECRET, journal)
    assert again.conversations == plan.conversations == ["conv-a", "conv-linked"]
    finish_forget(again, shop, conversations, journal, log_dir=logs)

    with conversations.connect() as connection:
        senders = {s for (s,) in connection.execute(select(EVENTS.c.sender_id).distinct())}
    assert senders == {"conv-keep"}
    shop.expire_all()
    assert shop.get(Customer, customer_id).email != email
    assert shop.get(Customer, customer_id).name != name
    assert all(o.shipping_name != name for o in shop.get(Customer, customer_id).orders)
    count = shop.execute(
        select(func.count()).select_from(Interaction).where(Interaction.customer_id == customer_id)
    ).scalar_one()
    assert count == 0
    assert shop.execute(select(ConversationMessage)).scalars().all() == []
    assert shop.execute(select(CustomerConversation)).scalars().all() == []
    assert shop.execute(select(StatedPreference)).scalars().all() == []
    assert email not in (logs / "rasa-server.log").read_text()
    assert email not in journal.path.read_text()
    for path in tmp_path.rglob("*.db*"):
        assert email.encode() not in path.read_bytes(), path
    # Done: nothing is held any more, and the command says so.
    with pytest.raises(UnknownSubject):
        plan_forget(shop, conversations, email, SECRET, journal)


def test_forgetting_an_unknown_email_changes_nothing(
    shop: Session, conversations: Engine, tmp_path: Path
) -> None:
    journal = RequestJournal(tmp_path / "requests.jsonl")
    with pytest.raises(UnknownSubject):
        plan_forget(shop, conversations, "nobody@nowhere.example", SECRET, journal)
    assert not journal.path.exists()


def test_retention_deletes_only_idle_transcripts(shop: Session, conversations: Engine) -> None:
    now = datetime.utcnow()
    add_conversation(conversations, "old", None, (now - timedelta(days=400)).timestamp())
    add_conversation(conversations, "recent", None, (now - timedelta(days=2)).timestamp())
    assert delete_old_transcripts(shop, conversations, now - timedelta(days=365)) == 1
    with conversations.connect() as connection:
        senders = {s for (s,) in connection.execute(select(EVENTS.c.sender_id).distinct())}
    assert senders == {"recent"}
