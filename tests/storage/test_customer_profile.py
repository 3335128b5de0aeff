"""Customer profiles: linking conversations, stated preferences and what a profile gathers.

Each test writes to its own copy of the small seeded store (``shop``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.behaviour import record_events
from storage.customer_profile import (
    SentimentPoint,
    customer_profile,
    link_conversation,
    linked_conversations,
    linked_customer,
    record_preferences,
    record_sentiment,
    usual_preference,
)
from storage.schema import (
    Customer,
    InteractionKind,
    LinkMethod,
    Order,
    PreferenceKind,
    Product,
    SatisfactionRating,
)


def alex(session: Session) -> int:
    return session.execute(
        select(Customer.id).where(Customer.email == "alex@example.com")
    ).scalar_one()


def sam(session: Session) -> int:
    return session.execute(
        select(Customer.id).where(Customer.email == "sam@example.com")
    ).scalar_one()


def test_linking_is_once_per_conversation_and_customer(shop: Session) -> None:
    customer = alex(shop)
    assert link_conversation(shop, customer, "web-1", LinkMethod.VERIFICATION, "rest")
    assert not link_conversation(shop, customer, "web-1", LinkMethod.IDENTITY_TOKEN)
    assert link_conversation(shop, customer, "tg-1", LinkMethod.VERIFICATION, "telegram")
    assert linked_conversations(shop, customer) == ["web-1", "tg-1"]
    assert linked_customer(shop, "tg-1") == customer
    assert linked_customer(shop, "anonymous") is None


def test_profile_gathers_every_channel(shop: Session) -> None:
    customer = alex(shop)
    products = shop.execute(select(Product.id, Product.title).limit(3)).all()
    link_conversation(shop, customer, "web-2", LinkMethod.VERIFICATION, "rest")
    link_conversation(shop, customer, "wa-2", LinkMethod.IDENTITY_TOKEN, "whatsapp")
    # A view before verification (session only) and a cart addition on the other channel.
    record_events(shop, [products[0].id], "web-2", InteractionKind.VIEW)
    record_events(shop, [products[1].id], "wa-2", InteractionKind.CART, customer)
    record_events(shop, [products[2].id], "someone-else", InteractionKind.VIEW)
    record_events(shop, [products[2].id], "web-2", InteractionKind.SHOWN)
    shop.add(SatisfactionRating(sender_id="wa-2", rating=4, flow="order_status"))
    shop.add(SatisfactionRating(sender_id="someone-else", rating=1, flow="order_status"))
    calm, cross = datetime(2026, 11, 2, 9, 0), datetime(2026, 11, 2, 9, 5)
    record_sentiment(
        shop,
        [
            SentimentPoint("web-2", -0.6, cross),
            SentimentPoint("web-2", 0.4, calm),
            SentimentPoint("someone-else", -1.0, calm),
        ],
    )
    shop.commit()

    profile = customer_profile(shop, customer)

    assert profile is not None
    assert (profile.first_name, profile.email) == ("Alex", "alex@example.com")
    assert {c.sender_id: c.channel for c in profile.conversations} == {
        "web-2": "rest",
        "wa-2": "whatsapp",
    }
    assert [p.title for p in profile.products["view"]] == [products[0].title]
    assert [p.title for p in profile.products["cart"]] == [products[1].title]
    assert "shown" not in profile.products
    orders = shop.execute(select(Order.number).where(Order.customer_id == customer))
    assert {o.number for o in profile.orders} == set(orders.scalars())
    assert profile.products["purchase"], "ordered products are listed as bought"
    assert [(r.sender_id, r.rating) for r in profile.csat] == [("wa-2", 4)]
    assert profile.average_csat == 4
    assert profile.sentiment == [
        SentimentPoint("web-2", 0.4, calm),
        SentimentPoint("web-2", -0.6, cross),
    ]
    as_json = profile.to_dict()
    assert as_json["conversations"][0]["linked_at"].startswith(str(datetime.utcnow().year))


def test_another_customers_conversations_stay_out(shop: Session) -> None:
    link_conversation(shop, sam(shop), "sam-chat", LinkMethod.VERIFICATION)
    product = shop.execute(select(Product.id)).scalars().first()
    record_events(shop, [product], "sam-chat", InteractionKind.VIEW)
    profile = customer_profile(shop, alex(shop))
    assert profile is not None
    assert "sam-chat" not in {c.sender_id for c in profile.conversations}
    assert "view" not in profile.products


def test_unknown_customer_has_no_profile(shop: Session) -> None:
    assert customer_profile(shop, 987654) is None


def test_usual_size_is_the_most_stated_and_prefers_the_same_category(shop: Session) -> None:
    customer = alex(shop)
    assert usual_preference(shop, customer, PreferenceKind.SIZE) is None
    record_preferences(shop, customer, "a", [(PreferenceKind.SIZE, "10")], "Running Shoes")
    record_preferences(shop, customer, "b", [(PreferenceKind.SIZE, "10")], "Running Shoes")
    record_preferences(shop, customer, "c", [(PreferenceKind.SIZE, "M")], "T-Shirts")
    assert usual_preference(shop, customer, PreferenceKind.SIZE) == "10"
    assert usual_preference(shop, customer, PreferenceKind.SIZE, "t-shirts") == "M"
    assert usual_preference(shop, customer, PreferenceKind.SIZE, "Boots") == "10"
    record_preferences(
        shop, customer, "d", [(PreferenceKind.COLOR, "navy"), (PreferenceKind.BUDGET, "")]
    )
    profile = customer_profile(shop, customer)
    assert profile is not None
    assert [(p.value, p.times) for p in profile.preferences["size"]] == [("10", 2), ("M", 1)]
    assert [p.value for p in profile.preferences["color"]] == ["navy"]
    assert "budget" not in profile.preferences


def test_tie_goes_to_the_latest(shop: Session) -> None:
    customer = alex(shop)
    record_preferences(shop, customer, "a", [(PreferenceKind.SIZE, "9")])
    record_preferences(shop, customer, "b", [(PreferenceKind.SIZE, "10.5")])
    assert usual_preference(shop, customer, PreferenceKind.SIZE) == "10.5"
