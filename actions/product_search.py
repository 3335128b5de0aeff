"""Product search: "do you have running shoes under $100?"."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import ShopAction, as_float, entity_spans, first_entity
from actions.product_presenter import describe_filters, product_card, product_line
from retrieval.product_index import SearchFilters
from retrieval.search_relaxation import relaxed_alternatives

PRICE_AND_SIZE_ENTITIES = ("price_min", "price_max", "size")


def filters_from_message(tracker: Tracker) -> SearchFilters:
    """Search filters from the entities of the latest message."""
    return SearchFilters(
        category=first_entity(tracker, "product_category"),
        brand=first_entity(tracker, "brand"),
        color=first_entity(tracker, "color"),
        size=first_entity(tracker, "size"),
        price_min=as_float(first_entity(tracker, "price_min")),
        price_max=as_float(first_entity(tracker, "price_max")),
    )


def query_from_message(tracker: Tracker) -> str:
    """The message text without its price and size phrases, which become filters instead."""
    text = tracker.latest_message.get("text") or ""
    for start, end in sorted(entity_spans(tracker, *PRICE_AND_SIZE_ENTITIES), reverse=True):
        text = text[:start] + " " + text[end:]
    return " ".join(text.split())


class ActionSearchProducts(ShopAction):
    """Finds products for the shopper's words and filters and shows the best few."""

    def name(self) -> str:
        return "action_search_products"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        query = query_from_message(tracker)
        filters = filters_from_message(tracker)
        index = self.services.product_index
        hits = index.search(query, filters, k=self.services.settings.search_results)
        if not hits:
            dispatcher.utter_message(text=no_results_message(index, query, filters))
            return [SlotSet("last_search", {"query": query, "filters": asdict(filters)})]

        records = [hit.record for hit in hits]
        described = describe_filters(filters)
        intro = f"Here is what I found{' for ' + described if described else ''}:"
        lines = [f"{n}. {product_line(record, self.services.product_url(record.handle))}"
                 for n, record in enumerate(records, start=1)]
        dispatcher.utter_message(
            text="\n".join([intro, *lines, "Ask me about any of them, e.g. \"what sizes does the first one come in?\""]),
            json_message={
                "type": "product_list",
                "filters": asdict(filters),
                "products": [product_card(r, self.services.product_url(r.handle)) for r in records],
            },
        )
        shown = [record.product_id for record in records]
        return [
            SlotSet("shown_products", shown),
            SlotSet("focused_product", float(shown[0])),
            SlotSet("last_search", {"query": query, "filters": asdict(filters)}),
        ]


def no_results_message(index: Any, query: str, filters: SearchFilters) -> str:
    """Says that nothing matched and which filter to relax to get results."""
    described = describe_filters(filters) or f'"{query}"'
    alternatives = relaxed_alternatives(index, query, filters)
    if not alternatives:
        return (
            f"Sorry, I found no products for {described}. Try other words, "
            "or ask for a category such as shoes, kitchen or electronics."
        )
    options = "; ".join(f"without the {alt.dropped_label} I have {alt.example_title}" for alt in alternatives)
    return f"Sorry, nothing matches {described}. If you relax a filter: {options}. Which would you like?"


