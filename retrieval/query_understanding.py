"""What a shopper's message asks of search and recommendations, read from its words and entities.

The one place where shopdesk reads a shopping message beyond its intent:

* the search filters its entities set (:meth:`ShopperMessage.filters`) and the text left
  to search for once price and size phrases have become filters
  (:meth:`ShopperMessage.search_text`);
* refinements of the previous search: "cheaper", "more expensive", "show more", a new
  colour, brand, size or price (:func:`plan_search`);
* what a recommendation is based on: "what goes with X", "something like X", "a gift for
  a runner" (:func:`asks_for_complements`, :func:`asks_for_similar`,
  :func:`gift_recipient`, :func:`anchor_phrase`);
* the shopper's words for product types (:class:`ProductVocabulary`): everyday synonyms of
  the catalog's types ("trousers" for pants, "duvet" for comforter), singular and plural
  (:func:`singular`, :func:`plural`), and compounds the catalog does not list as such
  ("yoga pants", "rain boots").

Entities come in the NLU's parse format (dicts with ``entity``, ``value``, ``start`` and
``end``); nothing here imports Rasa, so the rules are tested on plain strings.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from functools import cached_property
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


def singular(word: str) -> str:
    """A naive English singular ("shoes" -> "shoe", "accessories" -> "accessory")."""
    lowered = word.lower()
    if lowered.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if lowered.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if lowered.endswith("s") and not lowered.endswith(("ss", "us")):
        return word[:-1]
    return word


def plural(word: str) -> str:
    """A naive English plural.

    "boot" -> "boots", "glass" -> "glasses", "accessory" -> "accessories".
    """
    lowered = word.lower()
    if lowered.endswith("y") and len(word) > 2 and lowered[-2] not in "aeiou":
        return word[:-1] + "ies"
    if lowered.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    if lowered.endswith("ife"):
        return word[:-2] + "ves"
    return word + "s"


#: Everyday words for product types, under the catalog's word for the same thing. A word is
#: used only when the catalog sells its type (:meth:`ProductVocabulary.from_phrases`), and
#: never in place of a word the catalog itself uses. Words are written in the singular and
#: also found in the plural; words that only exist in the plural ("trousers") are written so
#: and found only so. Left out on purpose: words with an everyday meaning that is not a
#: product ("trainer", "throw", "light", "cup", "scent").
PRODUCT_SYNONYMS: dict[str, tuple[str, ...]] = {
    "t-shirt": ("tshirt", "t shirt", "tee shirt"),
    "sweatshirt": ("sweater", "jumper"),
    "pants": ("trousers", "slacks"),
    "jogger pants": ("joggers", "sweatpants", "track pants", "trackpants"),
    "jacket": ("blazer", "anorak"),
    "coat": ("overcoat", "parka", "raincoat"),
    "dress": ("gown", "frock"),
    "sneaker": ("trainers",),
    "sandal": ("flip-flop", "flip flop", "sliders"),
    "boot": ("wellies", "wellington", "gumboot"),
    "shoe": ("footwear",),
    "comforter": ("duvet", "quilt"),
    "pillow": ("cushion",),
    "earbud": ("earphone",),
    "headphones": ("headset",),
    "smartwatch": ("smart watch",),
    "power bank": ("portable charger", "battery pack"),
    "phone case": ("phone cover",),
    "electronics": ("gadgets",),
    "fragrance": ("perfume", "cologne"),
    "moisturizer": ("moisturiser", "lotion"),
    "makeup": ("make-up", "cosmetics"),
    "skincare": ("skin care",),
    "haircare": ("hair care",),
    "hair dryer": ("hairdryer", "blow dryer", "blow-dryer"),
    "coffee maker": ("coffee machine",),
    "french press": ("cafetiere",),
    "bag": ("backpack", "rucksack", "daypack"),
    "water bottle": ("flask",),
    "yoga mat": ("exercise mat",),
    "dumbbell": ("hand weight", "free weights"),
    "plush toy": ("stuffed animal", "soft toy", "cuddly toy"),
    "teddy bear": ("teddy",),
    "jigsaw puzzle": ("jigsaw",),
    "cookbook": ("recipe book", "cook book"),
}  # fmt: skip
#: Longest compound, in words, that a product-type mention grows to ("waterproof rain boots").
MAX_COMPOUND_WORDS = 3
_PLURAL_ONLY = re.compile(r"[^s]s$")
_MODIFIER = re.compile(r"(?P<word>[a-z][a-z'-]*)\s+$", re.IGNORECASE)
_JOINER = re.compile(r"[\s-]+")
_WORD_ONLY = re.compile(r"[a-z][a-z'-]*")


def _forms(word: str) -> list[str]:
    """The singular and plural of a written word, or only the word if it is plural only."""
    return [word] if _PLURAL_ONLY.search(word) else [word, _inflect(word, plural)]


def _inflect(phrase: str, change: Any) -> str:
    """``phrase`` with ``change`` (:func:`singular` or :func:`plural`) applied to its last word."""
    *head, last = phrase.split(" ")
    return " ".join([*head, change(last)])


@dataclass(frozen=True)
class ProductVocabulary:
    """The shopper's words for the catalog's product types.

    ``synonyms`` maps an everyday word, lower case, to the catalog's word in the same number
    ("trousers" -> "pants", "duvet" -> "comforter"); ``modifiers`` are the words the catalog
    puts before a product type ("rain" in "rain jacket", "yoga" in "yoga mat"), which a
    shopper puts before other types too ("rain boots", "yoga pants").
    """

    synonyms: Mapping[str, str]
    modifiers: frozenset[str]

    @classmethod
    def from_phrases(cls, phrases: Iterable[str]) -> ProductVocabulary:
        """The vocabulary of a catalog's product-type phrases (its ``product_category`` table).

        Synonyms come from :data:`PRODUCT_SYNONYMS`, kept only where the catalog has the
        type; a phrase the catalog uses itself is never a synonym of another.
        """
        catalog = {phrase.lower() for phrase in phrases}
        synonyms: dict[str, str] = {}
        for target, words in PRODUCT_SYNONYMS.items():
            one, many = _inflect(target, singular), _inflect(_inflect(target, singular), plural)
            if one not in catalog and many not in catalog and target not in catalog:
                continue
            for word in words:
                for form in _forms(word):
                    if form not in catalog:
                        synonyms[form] = many if _PLURAL_ONLY.search(form) else one
        ignored = frozenset(_FILLER)
        modifiers = {
            word
            for phrase in catalog - set(synonyms)
            for word in phrase.split()[:-1]
            if len(word) >= 3 and _WORD_ONLY.fullmatch(word) and word not in ignored
        }
        return cls(synonyms, frozenset(modifiers))

    @cached_property
    def _shopper_word(self) -> re.Pattern[str]:
        words = sorted(self.synonyms, key=lambda word: (-len(word), word))
        alternatives = "|".join(re.escape(word) for word in words) or r"(?!x)x"
        return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE)

    def shopper_words(self, text: str) -> list[dict[str, Any]]:
        """The everyday product words in ``text`` as ``product_category`` entities.

        "any trousers?" -> ``[{"entity": "product_category", "value": "pants", ...}]``.
        """
        return [
            {
                "entity": "product_category",
                "start": match.start(),
                "end": match.end(),
                "value": self.synonyms[" ".join(match.group().lower().split())],
            }
            for match in self._shopper_word.finditer(text)
        ]

    def catalog_word(self, value: str) -> str:
        """The catalog's word for a shopper's word ("Trousers" -> "pants"); others unchanged."""
        return self.synonyms.get(" ".join(value.lower().split()), value)

    def refine(self, text: str, entities: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """The entities with the shopper's product words added and read as the shopper meant.

        Everyday product words no other entity covers become ``product_category`` mentions
        (:meth:`shopper_words`). A mention grows over the catalog modifiers and the category
        mention right before it ("yoga" + "pants" -> "yoga pants", "rain" + "boots" -> "rain
        boots", up to :data:`MAX_COMPOUND_WORDS` words), never over another entity (a colour,
        a brand); its value is the catalog's word ("trousers" -> "pants", "wool trousers" ->
        "wool pants"). Other entities are returned unchanged.
        """
        spans = [(int(item["start"]), int(item["end"])) for item in entities if "start" in item]
        entities = [
            *entities,
            *(
                word
                for word in self.shopper_words(text)
                if not any(s < word["end"] and word["start"] < e for s, e in spans)
            ),
        ]
        others = [dict(item) for item in entities if item.get("entity") != "product_category"]
        taken = [(int(item["start"]), int(item["end"])) for item in others if "start" in item]
        mentions = sorted(
            (dict(item) for item in entities if item.get("entity") == "product_category"),
            key=lambda item: int(item.get("start", 0)),
        )
        refined: list[dict[str, Any]] = []
        for mention in mentions:
            if "start" not in mention or "end" not in mention:
                refined.append(mention)
                continue
            start = int(mention["start"])
            value = self.catalog_word(str(mention.get("value", text[start : mention["end"]])))
            while len(text[start : mention["end"]].split()) < MAX_COMPOUND_WORDS:
                before = refined[-1] if refined else None
                if (
                    before is not None
                    and "end" in before
                    and _JOINER.fullmatch(text[int(before["end"]) : start])
                ):
                    refined.pop()
                    start, value = int(before["start"]), f"{before['value']} {value}"
                    continue
                modifier = _MODIFIER.search(text[:start])
                if (
                    modifier is None
                    or modifier.group("word").lower() not in self.modifiers
                    or any(s <= modifier.start("word") < e for s, e in taken)
                ):
                    break
                start = modifier.start("word")
                value = f"{modifier.group('word').lower()} {value}"
            refined.append({**mention, "start": start, "value": value})
        return sorted(others + refined, key=lambda item: int(item.get("start", 0)))
