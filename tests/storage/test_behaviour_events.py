"""Behaviour events as they happen: stored per conversation, read back, counted as co-purchases."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.behaviour import co_buyers, conversation_events, record_events
from storage.db import create_engine_for, session_factory
from storage.schema import InteractionKind, Product
from tests.helpers.demo_shop import seed_small_store


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def shop_session(request, tmp_path):
    url = (
        f"sqlite:///{tmp_path / 'shop.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    seed_small_store(url)
    engine = create_engine_for(url)
    with session_factory(engine)() as session:
        yield session
    engine.dispose()


def test_a_conversations_events_come_back_in_order_and_only_its_own(shop_session) -> None:
    a, b, c = shop_session.execute(select(Product.id).limit(3)).scalars().all()
    record_events(shop_session, [a, b], "chat-1", InteractionKind.SHOWN)
    record_events(shop_session, [c], "someone-else", InteractionKind.VIEW)
    record_events(shop_session, [b], "chat-1", InteractionKind.CART)
    assert conversation_events(shop_session, "chat-1") == [
        (a, InteractionKind.SHOWN),
        (b, InteractionKind.SHOWN),
        (b, InteractionKind.CART),
    ]
    assert conversation_events(shop_session, "chat-1", limit=1) == [(b, InteractionKind.CART)]


def test_co_buyers_count_each_shopper_who_bought_both_once(shop_session) -> None:
    a, b, c, d = shop_session.execute(select(Product.id).limit(4)).scalars().all()
    before = co_buyers(shop_session, a, [b, c, d])
    record_events(shop_session, [a, b], "guest-1", InteractionKind.PURCHASE)
    record_events(shop_session, [a, b, b], "guest-2", InteractionKind.PURCHASE)
    record_events(shop_session, [a, c], "guest-3", InteractionKind.PURCHASE)
    record_events(shop_session, [d], "guest-3", InteractionKind.VIEW)  # viewed, not bought
    record_events(shop_session, [b, c], "guest-4", InteractionKind.PURCHASE)  # not with a
    after = co_buyers(shop_session, a, [b, c, d])
    assert after.get(b, 0) - before.get(b, 0) == 2
    assert after.get(c, 0) - before.get(c, 0) == 1
    assert after.get(d, 0) == before.get(d, 0)
    assert co_buyers(shop_session, a, [a]) == {}
