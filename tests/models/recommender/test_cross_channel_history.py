"""A customer's history for the recommender spans every conversation linked to them."""

from __future__ import annotations

from sqlalchemy import select

from models.recommender.shop_data import customer_history
from storage.behaviour import record_events
from storage.customer_profile import link_conversation
from storage.db import create_engine_for
from storage.schema import Customer, InteractionKind, LinkMethod, Product
from tests.helpers.demo_shop import reopen, seed_small_store


def test_history_holds_events_of_linked_conversations_on_every_channel(tmp_path) -> None:
    shop_engine = create_engine_for(f"sqlite:///{tmp_path / 'shop.db'}")
    seed_small_store(shop_engine)
    with reopen(shop_engine) as session:
        alex = session.execute(
            select(Customer.id).where(Customer.email == "alex@example.com")
        ).scalar_one()
        before = {e.product_id for e in customer_history(session, alex)}
        first, second, stranger = (
            session.execute(select(Product.id).where(Product.id.not_in(before)).limit(3))
            .scalars()
            .all()
        )
        # Viewed anonymously in the widget, then verified there; carted on WhatsApp.
        record_events(session, [first], "widget-chat", InteractionKind.VIEW)
        record_events(session, [second], "whatsapp-chat", InteractionKind.CART)
        record_events(session, [stranger], "someone-else", InteractionKind.VIEW)
        assert {e.product_id for e in customer_history(session, alex)} == before
        link_conversation(session, alex, "widget-chat", LinkMethod.VERIFICATION, "shopdesk")
        link_conversation(session, alex, "whatsapp-chat", LinkMethod.VERIFICATION, "whatsapp")
        history = customer_history(session, alex)
    shop_engine.dispose()
    added = [e for e in history if e.product_id not in before]
    assert [(e.product_id, e.kind) for e in added] == [
        (first, InteractionKind.VIEW),
        (second, InteractionKind.CART),
    ]
    assert all(e.product_id != stranger for e in added)
