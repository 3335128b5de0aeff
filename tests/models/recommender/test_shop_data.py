"""The recommender on the shop's own database.

Orders and events go in; it retrains when the catalog changes or when asked, never because
new behaviour arrived (that is folded in at request time).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from models.recommender import InteractionKind, RecommenderConfig, SequentialConfig
from models.recommender.shop_data import (
    CatalogContent,
    customer_history,
    load_or_train,
    shop_interactions,
)
from storage.behaviour import conversation_events, record_events
from storage.catalog import iter_product_records
from storage.db import create_engine_for, session_factory
from storage.schema import Customer, Interaction, Product
from tests.helpers.demo_shop import seed_small_store

FAST = RecommenderConfig(
    sequential=SequentialConfig(hidden=16, blocks=1, heads=1, epochs=2), als_iterations=3
)


@pytest.fixture(scope="module")
def sessions(tmp_path_factory):
    home = tmp_path_factory.mktemp("shop")
    engine = create_engine_for(f"sqlite:///{home / 'shop.db'}")
    seed_small_store(engine, products=80)
    yield session_factory(engine)
    engine.dispose()


def alex_id(session) -> int:
    return session.execute(
        select(Customer.id).where(Customer.email == "alex@example.com")
    ).scalar_one()


def test_orders_become_purchases_in_baskets_and_events_follow(sessions) -> None:
    with sessions() as session:
        events = shop_interactions(session)
        alex = f"customer:{alex_id(session)}"
    alex_events = [e for e in events if e.shopper == alex]
    assert {e.basket for e in alex_events} == {"10001", "10002", "10003", "10004", "10005"}
    assert all(e.kind is InteractionKind.PURCHASE for e in alex_events)
    guests = [e for e in events if e.shopper.startswith("session:demo-session-")]
    assert {e.kind for e in guests} == {
        InteractionKind.VIEW,
        InteractionKind.CART,
        InteractionKind.PURCHASE,
    }


def test_a_customers_history_is_their_orders_oldest_first(sessions) -> None:
    with sessions() as session:
        history = customer_history(session, alex_id(session))
        titles = {r.product_id: r.title for r in iter_product_records(session)}
    assert (
        titles[history[0].product_id] == "BrewMaster Classic Ceramic Coffee Mug"
    )  # ordered 65 days ago
    assert titles[history[-1].product_id] == "Stridewell Tempo 3 Running Shoe"  # yesterday
    assert [e.timestamp for e in history] == sorted(e.timestamp for e in history)


def test_the_saved_model_is_reused_until_the_catalog_changes(sessions, tmp_path: Path) -> None:
    calls = []

    def catalog() -> CatalogContent:
        with sessions() as session:
            records = list(iter_product_records(session))
        calls.append(len(records))
        return CatalogContent(
            [r.product_id for r in records], None, {r.product_id: r.title for r in records}
        )

    directory = tmp_path / "recommender"
    with sessions() as session:
        first = load_or_train(directory, session, catalog, config=FAST, progress=False)
        again = load_or_train(directory, session, catalog, config=FAST, progress=False)
    assert calls == [80] and len(again) == len(first) == 80
    assert again.recommend([1], n=3) == first.recommend([1], n=3)
    with sessions() as session:
        # New behaviour (a restart after traffic): no retrain, no re-embedding of the catalog.
        session.add(
            Interaction(
                session_id="new-visitor",
                product_id=2,
                kind=InteractionKind.VIEW,
                occurred_at=datetime(2025, 3, 14, 12),
            )
        )
        session.commit()
        load_or_train(directory, session, catalog, config=FAST, progress=False)
        assert calls == [80]
        # The explicit job (`shopdesk recommender train`) retrains.
        load_or_train(directory, session, catalog, config=FAST, progress=False, retrain=True)
        assert calls == [80, 80]
        # An edited product changes the catalog: the next start retrains.
        product = session.get(Product, 3)
        product.title = product.title + " (new edition)"
        session.commit()
        load_or_train(directory, session, catalog, config=FAST, progress=False)
    assert calls == [80, 80, 80]


def test_shown_products_are_not_training_data(sessions) -> None:
    with sessions() as session:
        record_events(session, [4, 5], "shown-only-visitor", InteractionKind.SHOWN)
        events = shop_interactions(session)
        assert conversation_events(session, "shown-only-visitor") == [
            (4, InteractionKind.SHOWN),
            (5, InteractionKind.SHOWN),
        ]
    assert not [e for e in events if e.shopper == "session:shown-only-visitor"]
