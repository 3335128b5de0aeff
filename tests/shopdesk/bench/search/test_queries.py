"""Price phrases in a benchmark query become filters, as the bot makes them."""

from __future__ import annotations

import pytest

from shopdesk.bench.search.queries import parse_query


@pytest.mark.parametrize(
    ("text", "words", "price_min", "price_max"),
    [
        ("running shoes under $80", "running shoes", None, 80.0),
        ("sneakers between $50 and $90", "sneakers", 50.0, 90.0),
        ("hoodie over $60", "hoodie", 60.0, None),
        ("something to keep my coffee hot", "something to keep my coffee hot", None, None),
    ],
)
def test_price_phrases_become_filters_as_in_the_bot(
    text: str, words: str, price_min: float | None, price_max: float | None
) -> None:
    query, filters = parse_query(text)
    assert (query, filters.price_min, filters.price_max) == (words, price_min, price_max)
