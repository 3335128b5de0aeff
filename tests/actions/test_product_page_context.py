"""Questions asked from a product page are about that page's product (widget page metadata)."""

import asyncio

from rasa_sdk.executor import CollectingDispatcher

from actions.product_question import ActionAnswerProductQuestion, page_product_handle
from tests.helpers.trackers import tracker_for


def ask_on_page(services, text: str, handle: str, slots: dict | None = None):
    tracker = tracker_for(text, "product_question", slots=slots)
    tracker.latest_message["metadata"] = {
        "page": {"url": f"http://localhost:8000/products/{handle}", "product_handle": handle}
    }
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionAnswerProductQuestion(services).run(dispatcher, tracker, {}))
    return dispatcher.messages[0]


def test_this_on_a_product_page_means_the_page_product(services):
    shoe, jacket = (
        services.product_index.search(query, None, k=1)[0].record
        for query in ("running shoe", "rain jacket")
    )
    answer = ask_on_page(
        services,
        "what sizes does this come in?",
        shoe.handle,
        slots={"focused_product": jacket.product_id},
    )
    assert shoe.title in answer["text"] and jacket.title not in answer["text"]
    assert all(size in answer["text"] for size in shoe.sizes)
    assert answer["custom"]["product"]["id"] == shoe.product_id


def test_a_named_product_wins_over_the_page(services):
    shoe, jacket = (
        services.product_index.search(query, None, k=1)[0].record
        for query in ("running shoe", "rain jacket")
    )
    answer = ask_on_page(services, f"how much is the {jacket.title}?", shoe.handle)
    assert jacket.title in answer["text"]


def test_an_unknown_page_handle_falls_back_to_the_conversation(services):
    jacket = services.product_index.search("rain jacket", None, k=1)[0].record
    answer = ask_on_page(
        services, "how much is it?", "no-such-product", slots={"focused_product": jacket.product_id}
    )
    assert jacket.title in answer["text"]


def test_page_product_handle_reads_only_a_string_handle():
    assert page_product_handle({"metadata": {"page": {"product_handle": "tempo-3"}}}) == "tempo-3"
    assert page_product_handle({"metadata": {"page": {"product_handle": 5}}}) is None
    assert page_product_handle({"metadata": {"page": "x"}}) is None
    assert page_product_handle({}) is None
