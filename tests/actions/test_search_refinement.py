"""Refining the previous search ("cheaper", "in blue", "show more") on the demo store."""

from __future__ import annotations

import asyncio
import statistics
from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from actions.product_search import ActionSearchProducts
from tests.helpers.trackers import entity, tracker_for


def search(services, text: str, entities: list | None = None, slots: dict | None = None):
    """Run the search action; returns the product cards shown, the reply text and the slots set."""
    dispatcher = CollectingDispatcher()
    tracker = tracker_for(text, "product_search", entities or [], slots=slots or {})
    events = asyncio.run(ActionSearchProducts(services).run(dispatcher, tracker, {}))
    new_slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    message = dispatcher.messages[0]
    products = (message.get("custom") or {}).get("products", [])
    return products, message["text"], {**(slots or {}), **new_slots}


def first_search(services) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    text = "show me running shoes"
    products, _, slots = search(services, text, [entity("product_category", "running shoes", text)])
    assert len(products) == services.settings.search_results
    return products, slots


def test_cheaper_lowers_the_price_limit_below_the_median_shown(services) -> None:
    shown, slots = first_search(services)
    median = statistics.median(p["price"] for p in shown)
    products, text, slots = search(services, "cheaper", slots=slots)
    assert products and all(p["price"] < median for p in products)
    assert all("Running Shoes" in p["category"] for p in products)
    assert text.startswith("Here are cheaper options for running shoes under $")
    assert slots["last_search"]["filters"]["price_max"] < median


def test_cheaper_twice_keeps_going_down(services) -> None:
    _, slots = first_search(services)
    once, _, slots = search(services, "anything cheaper?", slots=slots)
    twice, _, _ = search(services, "still too expensive, cheaper please", slots=slots)
    assert twice and max(p["price"] for p in twice) < statistics.median(p["price"] for p in once)


def test_a_colour_is_added_to_the_previous_filters(services) -> None:
    _, slots = first_search(services)
    text = "in blue"
    products, text_out, slots = search(services, text, [entity("color", "blue", text)], slots)
    assert products and all(
        "blue" in p["colors"] and "Running Shoes" in p["category"] for p in products
    )
    assert "blue running shoes" in text_out
    assert slots["last_search"]["filters"]["category"] == "running shoes"


def test_a_price_limit_merges_with_the_previous_search(services) -> None:
    _, slots = first_search(services)
    text = "under $90 please"
    products, _, slots = search(services, text, [entity("price_max", "90", text, "$90")], slots)
    assert products and all(p["price"] <= 90 and "Running Shoes" in p["category"] for p in products)
    assert slots["last_search"]["query"] == "show me running shoes"


def test_show_more_pages_to_the_next_results(services) -> None:
    shown, slots = first_search(services)
    products, text, slots = search(services, "show more", slots=slots)
    assert products and not {p["id"] for p in products} & {p["id"] for p in shown}
    assert all("Running Shoes" in p["category"] for p in products)
    assert text.startswith("Here are more results") and "\n6. " in text
    again, _, slots = search(services, "more please", slots=slots)
    assert slots["last_search"]["offset"] == 2 * len(shown)
    assert not {p["id"] for p in again} & {p["id"] for p in shown + products}


def test_a_new_category_starts_a_new_search(services) -> None:
    _, slots = first_search(services)
    text = "in blue"
    _, _, slots = search(services, text, [entity("color", "blue", text)], slots)
    text = "do you have yoga mats?"
    products, _, slots = search(
        services, text, [entity("product_category", "yoga mats", text)], slots
    )
    assert products and all("Yoga" in p["category"] for p in products)
    assert slots["last_search"]["filters"]["color"] is None
    assert slots["last_search"]["offset"] == 0


def test_new_words_without_refinement_start_a_new_search(services) -> None:
    _, slots = first_search(services)
    products, _, slots = search(services, "something to keep my coffee hot", slots=slots)
    assert products and "Coffee & Tea" in products[0]["category"]
    assert slots["last_search"]["filters"]["category"] is None


def test_misspelled_request_finds_the_products(services) -> None:
    products, _, _ = search(services, "do you have runnig shoes")
    assert products and all("Running Shoes" in p["category"] for p in products[:3])


def test_category_word_the_catalog_does_not_use_stays_in_the_query(services) -> None:
    text = "i want a thermos"
    products, _, slots = search(services, text, [entity("product_category", "thermos", text)])
    assert products and "Thermos" in products[0]["title"]
    assert slots["last_search"]["filters"]["category"] is None
