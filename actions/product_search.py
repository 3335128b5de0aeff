"""Product search: "do you have running shoes under $100?", then "cheaper", "in blue", "show more".

A message that only refines the previous search (slot ``last_search``) keeps its query and
filters and changes what the shopper asked for: "cheaper" lowers the price limit below the
median price of the products shown, "more expensive" raises it, a colour, brand, size or
price merges into the previous filters, and "show more" pages to the next results. A
message that names a new product category, or asks for something else in its own words,
starts a new search.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import ShopAction, as_float, entity_spans, first_entity
from actions.product_presenter import describe_filters, product_card, product_line
from retrieval.product_index import SearchFilters
from retrieval.product_text import STOPWORDS
from retrieval.search_relaxation import relaxed_alternatives

PRICE_AND_SIZE_ENTITIES = ("price_min", "price_max", "size")
FILTER_ENTITIES = ("product_category", "brand", "color", "size", "price_min", "price_max")

_CHEAPER = re.compile(
    r"\b(?:cheaper|cheapest|less\s+expensive|lower\s+price[sd]?|more\s+affordable|too\s+expensive|"
    r"too\s+pricey|on\s+a\s+budget|budget\s+option)\b",
    re.IGNORECASE,
)
_PRICIER = re.compile(
    r"\b(?:more\s+expensive|pricier|higher\s+end|high\s+end|premium|better\s+quality|fancier)\b",
    re.IGNORECASE,
)
_MORE = re.compile(
    r"\b(?:show\s+(?:me\s+)?more|see\s+more|more\s+(?:results|options|products|of\s+(?:those|them|these))|"
    r"next\s+(?:page|ones|results|few)|any\s+others|other\s+(?:ones|options)|what\s+else|anything\s+else|"
    r"keep\s+going|more\s+please|load\s+more)\b|^\s*more\s*[.!?]*\s*$",
    re.IGNORECASE,
)
#: Words that carry no product meaning in a refinement ("in blue please", "what about red ones").
_FILLER = frozenset(STOPWORDS) | {
    "please",
    "pls",
    "one",
    "ones",
    "show",
    "see",
    "got",
    "get",
    "give",
    "want",
    "need",
    "like",
    "something",
    "anything",
    "stuff",
    "maybe",
    "instead",
    "just",
    "only",
    "also",
    "else",
    "next",
    "page",
    "results",
    "options",
    "option",
    "look",
    "looking",
    "ok",
    "okay",
    "hmm",
    "thanks",
    "thank",
    "cool",
    "great",
    "nice",
    "well",
    "still",
    "even",
    "bit",
    "little",
    "lot",
    "colour",
    "color",
    "size",
    "brand",
    "price",
    "priced",
    "dollar",
    "dollars",
    "bucks",
    "less",
    "cheap",
    "expensive",
    "cost",
    "costs",
    "bigger",
    "smaller",
    "way",
    "u",
    "ya",
    "yeah",
}
_WORD = re.compile(r"[a-z0-9$][a-z0-9'$.-]*", re.IGNORECASE)


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


def _without_spans(text: str, spans: list[tuple[int, int]]) -> str:
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + " " + text[end:]
    return " ".join(text.split())


def query_from_message(tracker: Tracker) -> str:
    """The message text without its price and size phrases, which become filters instead."""
    text = tracker.latest_message.get("text") or ""
    return _without_spans(text, entity_spans(tracker, *PRICE_AND_SIZE_ENTITIES))


def leftover_words(tracker: Tracker) -> list[str]:
    """Words of the message that are neither entities, refinement phrases nor filler."""
    text = _without_spans(
        tracker.latest_message.get("text") or "", entity_spans(tracker, *FILTER_ENTITIES)
    )
    for pattern in (_CHEAPER, _PRICIER, _MORE):
        text = pattern.sub(" ", text)
    words = [w.strip(".,!?'\"").lower() for w in _WORD.findall(text)]
    return [w for w in words if w and w not in _FILLER and not w.startswith("$")]


@dataclass(frozen=True)
class PlannedSearch:
    """What to search for: the query, its filters, the first result to show and why."""

    query: str
    filters: SearchFilters
    offset: int = 0
    refined: bool = False
    change: str = ""


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


def _merge(previous: SearchFilters, new: SearchFilters) -> SearchFilters:
    """The previous filters with every filter the new message sets replacing its value."""
    changes = {
        f.name: getattr(new, f.name)
        for f in fields(SearchFilters)
        if getattr(new, f.name) not in (None, False)
    }
    return replace(previous, **changes)


def _same_category(previous: str | None, new: str) -> bool:
    from retrieval.product_text import normalise_phrase

    return previous is not None and normalise_phrase(previous) == normalise_phrase(new)


def plan_search(tracker: Tracker, shown_prices: list[float]) -> PlannedSearch:
    """Refine the previous search or start a new one, from the latest message.

    ``shown_prices`` are the prices of the products shown last, for "cheaper" and "more
    expensive".
    """
    text = tracker.latest_message.get("text") or ""
    new_filters = filters_from_message(tracker)
    previous = previous_search(tracker)
    wants_more = bool(_MORE.search(text))
    cheaper, pricier = bool(_CHEAPER.search(text)), bool(_PRICIER.search(text))
    refines_filters = any(
        getattr(new_filters, name) is not None
        for name in ("brand", "color", "size", "price_min", "price_max")
    )
    new_category = new_filters.category is not None and not (
        previous is not None and _same_category(previous.filters.category, new_filters.category)
    )
    extra = leftover_words(tracker)
    refines = wants_more or cheaper or pricier or (refines_filters and not extra)
    if previous is None or new_category or not refines:
        return PlannedSearch(query_from_message(tracker), new_filters)
    if wants_more and not (cheaper or pricier or refines_filters):
        return replace(
            previous,
            offset=previous.offset + max(1, len(shown_prices)),
            refined=True,
            change="more",
        )
    filters = _merge(previous.filters, new_filters)
    change = "filters"
    if cheaper and new_filters.price_max is None and shown_prices:
        limit = round(statistics.median(shown_prices) - 0.01, 2)
        bound = limit if filters.price_max is None else min(filters.price_max, limit)
        filters = replace(filters, price_max=bound)
        if filters.price_min is not None and filters.price_min > bound:
            filters = replace(filters, price_min=None)
        change = "cheaper"
    elif pricier and new_filters.price_min is None and shown_prices:
        bound = round(statistics.median(shown_prices) + 0.01, 2)
        filters = replace(filters, price_min=bound)
        if filters.price_max is not None and filters.price_max < bound:
            filters = replace(filters, price_max=None)
        change = "pricier"
    query = " ".join([previous.query, *extra]).strip()
    return PlannedSearch(query, filters, 0, True, change)


class ActionSearchProducts(ShopAction):
    """Finds products for the shopper's words and filters and shows the best few."""

    def name(self) -> str:
        return "action_search_products"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        index = self.services.product_index
        shown = [index.get(int(pid)) for pid in (tracker.get_slot("shown_products") or [])]
        plan = plan_search(tracker, [record.price for record in shown if record is not None])
        filters = plan.filters
        if (
            filters.category
            and not index.filter_mask(SearchFilters(category=filters.category)).any()
        ):
            # A category word the catalog does not use as a category ("thermos", a typo)
            # stays in the query text, where search can still match it, instead of
            # filtering everything out.
            filters = replace(filters, category=None)
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
                "products": [product_card(r, self.services.product_url(r.handle)) for r in records],
            },
        )
        ids = [record.product_id for record in records]
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
    return f"Sorry, nothing matches {described}. If you relax a filter: {options}. Which would you like?"
