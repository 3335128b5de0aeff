"""What a shopper's message asks of search and recommendations, read from its words and entities.

The one place where shopdesk reads a shopping message beyond its intent:

* the search filters its entities set (:meth:`ShopperMessage.filters`) and the text left
  to search for once price and size phrases have become filters
  (:meth:`ShopperMessage.search_text`);
* refinements of the previous search: "cheaper", "more expensive", "show more", a new
  colour, brand, size or price (:func:`plan_search`);
* what a recommendation is based on: "what goes with X", "something like X", "a gift for
  a runner" (:func:`asks_for_complements`, :func:`asks_for_similar`,
  :func:`gift_recipient`, :func:`anchor_phrase`).

Entities come in the NLU's parse format (dicts with ``entity``, ``value``, ``start`` and
``end``); nothing here imports Rasa, so the rules are tested on plain strings.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

from retrieval.filters import SearchFilters
from retrieval.product_text import STOPWORDS, normalise_phrase

#: Entities that become search filters, and the filter each one sets.
FILTER_ENTITIES = {
    "product_category": "category",
    "brand": "brand",
    "color": "color",
    "size": "size",
    "price_min": "price_min",
    "price_max": "price_max",
}
#: Entities whose words leave the search text: they are filters, not product words.
PRICE_AND_SIZE_ENTITIES = ("price_min", "price_max", "size")
#: Filters that refine a search without changing what is searched for.
_REFINING_FILTERS = ("brand", "color", "size", "price_min", "price_max")
_PRICE_FILTERS = ("price_min", "price_max")

#: "Cheaper" said of a product (this one, the ones shown) ...
_CHEAPER_THAN = (
    r"cheaper|cheapest|less\s+expensive|lower\s+price[sd]?|more\s+affordable|too\s+expensive"
    r"|too\s+pricey"
)
#: ... or of the shopper's budget ("a gift on a budget"): both ask for lower prices.
_CHEAPER = re.compile(rf"\b(?:{_CHEAPER_THAN}|on\s+a\s+budget|budget\s+option)\b", re.IGNORECASE)
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
_COMPLEMENT = re.compile(
    r"\b(?:go(?:es)?|goes|pairs?|match(?:es)?|wear)\s+(?:well\s+|nicely\s+)?with\b"
    r"|\bto\s+go\s+with\b|\b(?:buy|bought|get)\s+with\b|\baccessor(?:y|ies)\s+(?:for|go\s+with)\b"
    r"|\bcomplete\s+the\s+look\b|\belse\s+(?:would|do|should)\s+i\s+need\b",
    re.IGNORECASE,
)
_SIMILAR = re.compile(
    r"\b(?:similar|alternatives?|like\s+(?:this|that|these|those|it|the|a|an|my)\b|instead\s+of"
    rf"|(?:{_CHEAPER_THAN})\b)",
    re.IGNORECASE,
)
_GIFT = re.compile(r"\b(?:gift|present|secret\s+santa|stocking\s+stuffer)s?\b", re.IGNORECASE)
_BEST_SELLERS = re.compile(
    r"\b(?:best[\s-]?sell(?:er|ers|ing)|most\s+popular|top[\s-]?sell(?:er|ers|ing)|trending)\b",
    re.IGNORECASE,
)
_GIFT_FOR = re.compile(
    r"\bfor\s+(?:my\s+|a\s+|an\s+|the\s+|our\s+)?(?P<who>[^?.!,;]+)", re.IGNORECASE
)
#: The words right before the product a question is about: "goes with <X>", "similar to <X>",
#: "like <X>".
_ANCHOR_TRIGGER = re.compile(
    r"\b(?:(?:go(?:es)?|pairs?|match(?:es)?|wear|buy|bought|get)\s+(?:well\s+|nicely\s+)?with"
    r"|(?:similar|alternatives?|comparable)\s+to|instead\s+of|like|than|(?:accessories|socks)\s+for)\b",
    re.IGNORECASE,
)
#: The product phrase itself: up to "but", "under", "for", a size or price phrase, punctuation
#: or the end.
_ANCHOR_PHRASE = re.compile(
    r"\s*(?P<phrase>[^?.!,;]*?)\s*(?=\bbut\b|\bunder\b|\bbelow\b|\bover\b|\bbetween\b|\bin\s+size\b"
    r"|\bfor\b|\bthat\b|\bwhich\b|[?.!,;]|$)",
    re.IGNORECASE,
)
_DETERMINER = re.compile(r"^(?:the|a|an|my|our|your)\s+", re.IGNORECASE)
_POINTING = re.compile(r"^(?:this|that|these|those|it|them|the\s+same|one)\b", re.IGNORECASE)

#: Words that carry no product meaning in a refinement ("in blue please", "what about red ones").
_FILLER = frozenset(STOPWORDS) | {
    "please", "pls", "one", "ones", "show", "see", "got", "get", "give", "want", "need", "like",
    "something", "anything", "stuff", "maybe", "instead", "just", "only", "also", "else", "next",
    "page", "results", "options", "option", "look", "looking", "ok", "okay", "hmm", "thanks",
    "thank", "cool", "great", "nice", "well", "still", "even", "bit", "little", "lot", "colour",
    "color", "size", "brand", "price", "priced", "dollar", "dollars", "bucks", "less", "cheap",
    "expensive", "cost", "costs", "bigger", "smaller", "way", "u", "ya", "yeah",
}  # fmt: skip
_WORD = re.compile(r"[a-z0-9$][a-z0-9'$.-]*", re.IGNORECASE)

Span = tuple[int, int]


def wants_cheaper(text: str) -> bool:
    """True for "cheaper", "less expensive", "too pricey", "on a budget" and the like."""
    return bool(_CHEAPER.search(text))


def wants_pricier(text: str) -> bool:
    """True for "more expensive", "premium", "better quality" and the like."""
    return bool(_PRICIER.search(text))


def wants_more(text: str) -> bool:
    """True for "show more", "next page", "what else", a lone "more" and the like."""
    return bool(_MORE.search(text))


def asks_for_complements(text: str) -> bool:
    """True for "what goes with X", "accessories for X", "complete the look" and the like."""
    return bool(_COMPLEMENT.search(text))


def asks_for_similar(text: str) -> bool:
    """True for "something like X", "alternatives to X", "instead of X", "cheaper" (than X).

    A budget ("a gift on a budget") asks for lower prices but compares with no product.
    """
    return bool(_SIMILAR.search(text))


def asks_for_gift(text: str) -> bool:
    """True when the message is about a gift ("a present for my dad", "secret santa")."""
    return bool(_GIFT.search(text))


def asks_for_best_sellers(text: str) -> bool:
    """True when the shopper asks for what sells best ("your best sellers", "most popular")."""
    return bool(_BEST_SELLERS.search(text))


def gift_recipient(text: str) -> str | None:
    """Who a gift is for, in the shopper's words: "gift ideas for a runner" -> "runner"."""
    match = _GIFT_FOR.search(text)
    return match.group("who").strip() if match else None


def anchor_phrase(text: str) -> tuple[str, Span] | None:
    """The product a recommendation is compared with, as named, and the span of its phrase.

    The phrase loses a leading "the", "my" and the like; the span keeps it (it marks the
    entities that name the product rather than filter the suggestions).

    "what goes with the Tempo 3 running shoes?" -> ``("Tempo 3 running shoes", span)``.
    None when the message names none or points back to the product being talked about
    ("what goes with these?", "something like this but cheaper").
    """
    trigger = _ANCHOR_TRIGGER.search(text)
    match = _ANCHOR_PHRASE.match(text, trigger.end()) if trigger else None
    if match is None:
        return None
    phrase = _DETERMINER.sub("", match.group("phrase"))
    if not phrase or _POINTING.match(phrase):
        return None
    return phrase, match.span("phrase")


def _price(value: Any) -> float | None:
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _without_spans(text: str, spans: Sequence[Span]) -> str:
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + " " + text[end:]
    return " ".join(text.split())


@dataclass(frozen=True)
class ShopperMessage:
    """One message: its text and the entities the NLU pipeline found in it."""

    text: str
    entities: tuple[Mapping[str, Any], ...] = ()

    @classmethod
    def from_parse(cls, parse: Mapping[str, Any]) -> ShopperMessage:
        """The message of an NLU parse result (``{"text": ..., "entities": [...]}``)."""
        return cls(parse.get("text") or "", tuple(parse.get("entities") or ()))

    def spans(self, *entities: str) -> list[Span]:
        """Character spans of the given entity types."""
        return [
            (int(item["start"]), int(item["end"]))
            for item in self.entities
            if item.get("entity") in entities and "start" in item and "end" in item
        ]

    def filters(self, outside: Span | None = None) -> SearchFilters:
        """The search filters the entities set, the first value of each type winning.

        Entities starting inside ``outside`` are left out: they name the product a
        recommendation is compared with ("like the Stridewell Tempo 3"), not a filter.
        """
        values: dict[str, Any] = {}
        for item in self.entities:
            name, value, start = item.get("entity"), item.get("value"), item.get("start")
            field_name = FILTER_ENTITIES.get(str(name))
            if field_name is None or value is None or field_name in values:
                continue
            if outside is not None and start is not None and outside[0] <= int(start) < outside[1]:
                continue
            values[field_name] = _price(value) if field_name in _PRICE_FILTERS else str(value)
        return SearchFilters(**values)

    def search_text(self) -> str:
        """The text without its price and size phrases, which become filters instead."""
        return _without_spans(self.text, self.spans(*PRICE_AND_SIZE_ENTITIES))

    def leftover_words(self) -> list[str]:
        """Words that are neither filter entities, refinement phrases nor filler."""
        text = _without_spans(self.text, self.spans(*FILTER_ENTITIES))
        for pattern in (_CHEAPER, _PRICIER, _MORE):
            text = pattern.sub(" ", text)
        words = [w.strip(".,!?'\"").lower() for w in _WORD.findall(text)]
        return [w for w in words if w and w not in _FILLER and not w.startswith("$")]


@dataclass(frozen=True)
class PlannedSearch:
    """What to search for: the query, its filters, the first result to show and why.

    ``change`` says how a refinement changed the previous search: ``"more"`` (next page),
    ``"cheaper"``, ``"pricier"`` or ``"filters"``; empty for a new search.
    """

    query: str
    filters: SearchFilters
    offset: int = 0
    refined: bool = False
    change: str = ""


def _merge(previous: SearchFilters, new: SearchFilters) -> SearchFilters:
    """The previous filters with every filter the new message sets replacing its value."""
    changes = {
        f.name: getattr(new, f.name)
        for f in fields(SearchFilters)
        if getattr(new, f.name) not in (None, False)
    }
    return replace(previous, **changes)


def _same_category(previous: str | None, new: str) -> bool:
    return previous is not None and normalise_phrase(previous) == normalise_phrase(new)


def plan_search(
    message: ShopperMessage, previous: PlannedSearch | None, shown_prices: Sequence[float]
) -> PlannedSearch:
    """Refine the previous search or start a new one, from the latest message.

    A message refines ``previous`` when it asks for more results, cheaper or pricier ones,
    or only adds filters (a colour, brand, size or price, without other product words);
    naming a new category or other product words starts a new search. ``shown_prices``
    are the prices of the products shown last: "cheaper" limits the price to below their
    median, "more expensive" to above it.
    """
    text = message.text
    new_filters = message.filters()
    more, cheaper, pricier = wants_more(text), wants_cheaper(text), wants_pricier(text)
    refines_filters = any(getattr(new_filters, name) is not None for name in _REFINING_FILTERS)
    new_category = new_filters.category is not None and not (
        previous is not None and _same_category(previous.filters.category, new_filters.category)
    )
    extra = message.leftover_words()
    refines = more or cheaper or pricier or (refines_filters and not extra)
    if previous is None or new_category or not refines:
        return PlannedSearch(message.search_text(), new_filters)
    if more and not (cheaper or pricier or refines_filters):
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
