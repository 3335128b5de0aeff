"""The recommend action on the seeded demo store (with its generated shopping behaviour)."""

import asyncio
import re

from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.recommend import ActionRecommendProducts
from storage.behaviour import co_buyers
from storage.schema import Customer
from tests.helpers.trackers import entity, tracker_for, verified_tracker

TEMPO = "Stridewell Tempo 3 Running Shoe"
CARD_KEYS = {"id", "title", "brand", "category", "price", "currency", "price_text", "in_stock",
             "stock", "colors", "sizes", "rating", "url", "image_url", "reason",
             "scores"}  # fmt: skip


def run(services, tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionRecommendProducts(services).run(dispatcher, tracker, {}))
    return dispatcher.messages, {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def product_id(services, title):
    return next(
        h.record for h in services.product_index.search(title, None, k=3) if h.record.title == title
    ).product_id


def products_of(messages):
    payload = messages[0]["custom"]
    assert payload["type"] == "product_list"
    return payload["products"]


def test_what_goes_with_the_shoes_being_discussed(services):
    tempo = product_id(services, TEMPO)
    tracker = tracker_for(
        "what goes with these shoes?", "recommend", slots={"focused_product": float(tempo)}
    )
    messages, slots = run(services, tracker)
    products = products_of(messages)
    assert products and all(p["in_stock"] and p["id"] != tempo for p in products)
    # The reason counts the customers who bought both, from the shop's orders.
    counted = [
        re.fullmatch(rf"bought together with the {TEMPO} by (\d+) shoppers", p["reason"])
        for p in products
    ]
    assert all(
        m or p["reason"] == f"often bought with {TEMPO}"
        for m, p in zip(counted, products, strict=True)
    )
    with services.session() as session:
        buyers = co_buyers(session, tempo, [p["id"] for p in products])
    assert [int(m.group(1)) for m in counted if m] == [
        buyers[p["id"]] for p in products if buyers.get(p["id"], 0) >= 2
    ]
    assert any(counted)
    # Runners buy running socks, running gear, sports bottles, earbuds and watches with their shoes.
    running = [
        p
        for p in products
        if "Running" in p["title"] or "Running Gear" in p["category"] or "Sport" in p["title"]
    ]
    assert len(running) >= len(products) // 2
    assert TEMPO in messages[0]["text"] and f"({products[0]['reason']})" in messages[0]["text"]
    assert slots["shown_products"] == [p["id"] for p in products]
    assert set(products[0]) == CARD_KEYS


def test_something_like_a_named_product_but_cheaper(services):
    text = "something like the Stridewell Tempo 3 but cheaper"
    tracker = tracker_for(text, "recommend", [entity("brand", "Stridewell", text)])
    messages, _ = run(services, tracker)
    products = products_of(messages)
    assert products and all(p["price"] < 89.99 and p["in_stock"] for p in products)
    assert all(p["reason"] == f"similar to {TEMPO}" for p in products)
    assert sum("Shoes" in p["category"] for p in products) >= len(products) - 1
    assert "but cheaper" in messages[0]["text"]
    # "Stridewell" names the product compared with, it is not a filter on the suggestions.
    assert messages[0]["custom"]["filters"]["brand"] is None


def test_a_verified_customer_gets_suggestions_from_their_orders(services):
    with services.session() as session:
        alex = session.execute(
            select(Customer).where(Customer.email == "alex@example.com")
        ).scalar_one()
    tracker = verified_tracker(services.verification, alex.id, "what do you recommend", "recommend")
    messages, _ = run(services, tracker)
    products = products_of(messages)
    assert messages[0]["text"].startswith("Picked for you:")
    assert products and all(p["in_stock"] for p in products)
    assert all(p["title"] != TEMPO for p in products)  # she already bought it
    assert any(p["reason"].startswith("because you bought ") for p in products)


def test_without_a_customer_the_products_of_the_conversation_count(services):
    tempo = product_id(services, TEMPO)
    tracker = tracker_for(
        "any suggestions?",
        "recommend",
        slots={"shown_products": [tempo], "focused_product": float(tempo)},
        # A conversation of its own: other tests' shoppers leave stored events behind.
        sender="shopper-looked-at-tempo",
    )
    messages, _ = run(services, tracker)
    products = products_of(messages)
    assert products and tempo not in [p["id"] for p in products]
    assert any(p["reason"] == f"because you looked at {TEMPO}" for p in products)


def test_best_sellers_of_the_requested_category_respect_the_filters(services):
    text = "what are your best sellers in electronics under $60"
    tracker = tracker_for(
        text,
        "recommend",
        [entity("product_category", "electronics", text), entity("price_max", "60", text, "$60")],
    )
    messages, _ = run(services, tracker)
    products = products_of(messages)
    assert len(products) == services.settings.search_results
    assert all(
        p["category"].startswith("Electronics") and p["price"] <= 60 and p["in_stock"]
        for p in products
    )
    assert messages[0]["text"].startswith("Our best sellers in electronics:")


def test_a_gift_for_a_runner(services):
    messages, _ = run(services, tracker_for("gift ideas for a runner", "recommend"))
    products = products_of(messages)
    assert products and all(p["in_stock"] for p in products)
    assert (
        sum("Running" in p["title"] or "Running" in p["category"] for p in products)
        >= len(products) - 1
    )
    assert all(p["reason"] == "a popular pick for runner" for p in products)


def test_a_gift_in_a_color_and_price_range(services):
    text = "a black gift between $20 and $40"
    tracker = tracker_for(
        text,
        "recommend",
        [
            entity("color", "black", text),
            entity("price_min", "20", text, "$20"),
            entity("price_max", "40", text, "$40"),
        ],
    )
    products = products_of(run(services, tracker)[0])
    assert products and all(20 <= p["price"] <= 40 and "black" in p["colors"] for p in products)


def test_nothing_in_stock_for_the_filters_says_so(services):
    text = "recommend me headphones under $1"
    tracker = tracker_for(
        text,
        "recommend",
        [entity("product_category", "headphones", text), entity("price_max", "1", text, "$1")],
    )
    messages, slots = run(services, tracker)
    assert "nothing in stock" in messages[0]["text"] and not messages[0].get("custom")
    assert slots == {}
