"""Product search: "do you have running shoes under $100?", then "cheaper", "in blue", "show more".

A message that only refines the previous search (slot ``last_search``) keeps its query and
filters and changes what the shopper asked for: "cheaper" lowers the price limit below the
median price of the products shown, "more expensive" raises it, a colour, brand, size or
price merges into the previous filters, and "show more" pages to the next results. A
message that names a new product category, or asks for something else in its own words,
starts a new search. How the message is read is :mod:`retrieval.query_understanding`'s job;
this action remembers the search in its slots and shows the results.
"""

from __future__ import annotations

from dataclasses import asdict, fields, replace
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import ShopAction
from actions.explanations import search_reason, search_scores
from actions.product_presenter import describe_filters, product_card, product_line
from actions.profile import note_preferences, with_usual_size
from actions.shopper_events import record_shopper_events
from models.recommender import InteractionKind
from retrieval.product_index import SearchFilters
from retrieval.query_understanding import PlannedSearch, ShopperMessage, plan_search
from retrieval.search_relaxation import relaxed_alternatives


def previous_search(tracker: Tracker) -> PlannedSearch | None:
    """The search stored in slot ``last_search``, or None."""
    stored = tracker.get_slot("last_search")
    if not isinstance(stored, dict) or "filters" not in stored:
        return None
    names = {field.name for field in fields(SearchFilters)}
    saved = {name: value for name, value in (stored.get("filters") or {}).items() if name in names}
    return PlannedSearch(
        query=str(stored.get("query") or ""),
        filters=SearchFilters(**saved),
        offset=int(stored.get("offset") or 0),
    )


class ActionSearchProducts(ShopAction):
    """Finds products for the shopper's words and filters and shows the best few."""

    def name(self) -> str:
        return "action_search_products"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        index = self.services.product_index
        shown = [index.get(int(pid)) for pid in (tracker.get_slot("shown_products") or [])]
        parse, usual_size_note = with_usual_size(self.services, tracker)
        if usual_size_note:
            dispatcher.utter_message(text=usual_size_note)
        plan = plan_search(
            ShopperMessage.from_parse(parse),
            previous_search(tracker),
            [record.price for record in shown if record is not None],
        )
        filters = plan.filters
        if (
            filters.category
            and not index.filter_mask(SearchFilters(category=filters.category)).any()
        ):
            # A category word the catalog does not use as a category ("thermos", a typo)
            # stays in the query text, where search can still match it, instead of
            # filtering everything out.
            filters = replace(filters, category=None)
        note_preferences(self.services, tracker, filters.category)
        page = self.services.settings.search_results
        hits = index.search(plan.query, filters, k=plan.offset + page)[plan.offset :]
        stored = {"query": plan.query, "filters": asdict(filters), "offset": plan.offset}
        if not hits:
            message = (
                f"That's everything I have for {describe_filters(filters) or repr(plan.query)}. "
                "Try other words or fewer filters."
                if plan.change == "more"
                else no_results_message(index, plan.query, filters)
            )
            dispatcher.utter_message(text=message)
            return [SlotSet("last_search", stored)]

        records = [hit.record for hit in hits]
        dispatcher.utter_message(
            text="\n".join(
                [
                    _intro(plan, filters),
                    *(
                        f"{n}. {product_line(record, self.services.product_url(record.handle))}"
                        for n, record in enumerate(records, start=plan.offset + 1)
                    ),
                    'Ask me about any of them, e.g. "what sizes does the first one come in?"',
                ]
            ),
            json_message={
                "type": "product_list",
                "filters": asdict(filters),
                "query": plan.query,
                "offset": plan.offset,
                "products": [
                    {
                        **product_card(hit.record, self.services.product_url(hit.record.handle)),
                        "reason": search_reason(hit.record, filters, plan.query),
                        "scores": search_scores(hit),
                    }
                    for hit in hits
                ],
            },
        )
        ids = [record.product_id for record in records]
        record_shopper_events(self.services, tracker, ids, InteractionKind.SHOWN)
        return [
            SlotSet("shown_products", ids),
            SlotSet("focused_product", float(ids[0])),
            SlotSet("last_search", stored),
        ]


def _intro(plan: PlannedSearch, filters: SearchFilters) -> str:
    described = describe_filters(filters)
    subject = f" for {described}" if described else ""
    if plan.change == "more":
        return f"Here are more results{subject}:"
    if plan.change == "cheaper":
        return f"Here are cheaper options{subject}:"
    if plan.change == "pricier":
        return f"Here are higher-end options{subject}:"
    return f"Here is what I found{subject}:"


def no_results_message(index: Any, query: str, filters: SearchFilters) -> str:
    """Says that nothing matched and which filter to relax to get results."""
    described = describe_filters(filters) or f'"{query}"'
    alternatives = relaxed_alternatives(index, query, filters)
    if not alternatives:
        return (
            f"Sorry, I found no products for {described}. Try other words, "
            "or ask for a category such as shoes, kitchen or electronics."
        )
    options = "; ".join(
        f"without the {alt.dropped_label} I have {alt.example_title}" for alt in alternatives
    )
    return (
        f"Sorry, nothing matches {described}. If you relax a filter: {options}. "
        "Which would you like?"
    )
