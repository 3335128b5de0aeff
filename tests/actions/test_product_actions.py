"""The product search and product question actions on the demo store."""

import asyncio

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.product_question import ActionAnswerProductQuestion
from actions.product_search import ActionSearchProducts
from tests.helpers.trackers import entity, tracker_for


def run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher.messages, {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def test_search_applies_category_and_price_filters(services):
    text = "do you have running shoes under $100?"
    tracker = tracker_for(
        text,
        "product_search",
        [
            entity("product_category", "running shoes", text),
            entity("price_max", "100", text, "$100"),
        ],
    )
    messages, slots = run(ActionSearchProducts(services), tracker)
    products = messages[0]["custom"]["products"]
    assert products and all(
        p["price"] <= 100 and "Running Shoes" in p["category"] for p in products
    )
    assert "running shoes under $100" in messages[0]["text"]
    assert slots["shown_products"] == [p["id"] for p in products]


def test_price_phrase_is_a_filter_not_search_text(services):
    text = "blue hoodies under $40"
    tracker = tracker_for(text, "product_search", [entity("price_max", "40", text, "$40")])
    _, slots = run(ActionSearchProducts(services), tracker)
    assert slots["last_search"]["query"] == "blue hoodies under"
    assert slots["last_search"]["filters"]["price_max"] == 40.0


def test_no_results_names_the_filter_to_relax(services):
    text = "running shoes under $1"
    tracker = tracker_for(
        text,
        "product_search",
        [entity("product_category", "running shoes", text), entity("price_max", "1", text, "$1")],
    )
    messages, _ = run(ActionSearchProducts(services), tracker)
    assert "price limit" in messages[0]["text"]


def test_question_about_the_second_product_shown(services):
    hoodies = [h.record for h in services.product_index.search("hoodie", None, k=3)]
    tracker = tracker_for(
        "what colors does the second one come in?",
        "product_question",
        slots={"shown_products": [r.product_id for r in hoodies]},
    )
    messages, slots = run(ActionAnswerProductQuestion(services), tracker)
    second = hoodies[1]
    assert second.title in messages[0]["text"]
    assert all(color in messages[0]["text"] for color in second.colors)
    assert slots["focused_product"] == second.product_id


def test_a_product_question_is_recorded_as_a_view_for_the_recommender(services):
    from sqlalchemy import select

    from storage.schema import Interaction, InteractionKind

    jacket = services.product_index.search("rain jacket", None, k=1)[0].record
    tracker = tracker_for(
        "how much is it?",
        "product_question",
        slots={"focused_product": jacket.product_id},
        sender="viewer-7",
    )
    run(ActionAnswerProductQuestion(services), tracker)
    with services.session() as session:
        views = (
            session.execute(select(Interaction).where(Interaction.session_id == "viewer-7"))
            .scalars()
            .all()
        )
    assert [(v.product_id, v.kind) for v in views] == [(jacket.product_id, InteractionKind.VIEW)]


def test_the_answer_is_given_even_when_the_view_cannot_be_stored(services, monkeypatch, caplog):
    import actions.shopper_events as shopper_events
    from storage.db import DatabaseUnavailable

    def database_down(*args, **kwargs):
        raise DatabaseUnavailable("sqlite:///shop.db", "disk I/O error")

    monkeypatch.setattr(shopper_events, "record_events", database_down)
    jacket = services.product_index.search("rain jacket", None, k=1)[0].record
    tracker = tracker_for(
        "how much is it?", "product_question", slots={"focused_product": jacket.product_id}
    )
    messages, slots = run(ActionAnswerProductQuestion(services), tracker)
    assert jacket.title in messages[0]["text"] and slots["focused_product"] == jacket.product_id
    assert "Could not record view of products" in caplog.text


def test_question_about_a_size_checks_variant_stock(services):
    shoe = services.product_index.search("running shoe", None, k=1)[0].record
    size = shoe.sizes[0]
    text = f"is it available in size {size}?"
    tracker = tracker_for(
        text, "product_question", [entity("size", size, text)], {"focused_product": shoe.product_id}
    )
    messages, _ = run(ActionAnswerProductQuestion(services), tracker)
    assert f"size {size}" in messages[0]["text"]


def test_question_without_a_product_asks_which_one(services):
    messages, _ = run(
        ActionAnswerProductQuestion(services), tracker_for("how much is it?", "product_question")
    )
    assert "Which product" in messages[0]["text"]


@pytest.mark.parametrize("phrase", ["how much does it cost", "what's the price"])
def test_price_question_answers_with_the_catalog_price(services, phrase):
    record = services.product_index.search("thermos", None, k=1)[0].record
    messages, _ = run(
        ActionAnswerProductQuestion(services),
        tracker_for(phrase, "product_question", slots={"focused_product": record.product_id}),
    )
    assert f"${record.price:,.2f}" in messages[0]["text"]


@pytest.mark.parametrize(
    "text, aspect",
    [
        ("what sizes does the first one come in?", "sizes"),
        ("what colours does it come in?", "colors"),
        ("what is it made of", "material"),
        ("how much is it", "price"),
        ("is it in stock", "stock"),
        ("tell me more", "summary"),
    ],
)
def test_question_aspect(text, aspect):
    from actions.product_question import question_aspect

    assert question_aspect(text, None, None) == aspect
