"""A shopper's query string split into search words and price filters, as the bot splits it."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from retrieval.product_index import SearchFilters

#: Words a price phrase leaves behind at the end of a query once its amounts are removed.
_PRICE_LEFTOVERS = re.compile(
    r"(?:\s*\b(?:under|below|less than|cheaper than|up to|at most|no more than|over|above|"
    r"more than|at least|between|from|and|to|for|dollars?|bucks)\b)+\s*$",
    re.IGNORECASE,
)


def parse_query(text: str) -> tuple[str, SearchFilters]:
    """Split a shopper's query into search words and price filters, as the bot does.

    The bot's NLU finds price phrases with :func:`retrieval.message_attributes.extract_price_bounds`
    and the search action removes them from the query; this does the same for a query string.
    """
    from retrieval.message_attributes import extract_price_bounds
    from retrieval.product_index import SearchFilters

    mentions = extract_price_bounds(text)
    bounds = {mention.entity: float(mention.value) for mention in mentions}
    for mention in sorted(mentions, key=lambda m: m.start, reverse=True):
        text = text[: mention.start] + " " + text[mention.end :]
    text = _PRICE_LEFTOVERS.sub("", " ".join(text.split()))
    return text.strip(), SearchFilters(
        price_min=bounds.get("price_min"), price_max=bounds.get("price_max")
    )
