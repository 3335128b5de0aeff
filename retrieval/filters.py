"""Structured search filters and the precomputed attribute table that applies them.

Filters are applied as numpy boolean masks over attribute arrays built once per index
change, so a query costs a few vector operations plus a loop over the distinct category
paths (tens, not thousands), never a loop over products.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from retrieval.product_text import normalise_phrase, tokenize

if TYPE_CHECKING:
    from storage.catalog import ProductRecord


@dataclass(frozen=True)
class SearchFilters:
    """Constraints a product must meet; ``None`` (or ``False`` for ``in_stock``) means "any".

    ``category`` matches any part of the category path, ignoring case and plural
    ("running shoe" matches "Shoes > Running Shoes", "kitchen" matches "Home & Kitchen >
    Cookware"). ``brand``, ``color`` and ``size`` match whole values, ignoring case.
    Prices are inclusive bounds in the catalog currency.
    """

    category: str | None = None
    brand: str | None = None
    color: str | None = None
    size: str | None = None
    price_min: float | None = None
    price_max: float | None = None
    in_stock: bool = False

    @property
    def is_empty(self) -> bool:
        """True when no constraint is set."""
        return self == SearchFilters()


def normalise_value(value: str) -> str:
    """Case- and space-insensitive form of a brand or color ("Urban  Thread" -> "urban thread")."""
    return " ".join(value.casefold().split())


def normalise_size(size: str) -> str:
    """Size as stored in the catalog, without a "US" prefix ("US 7.5" -> "7.5", "xl" -> "xl")."""
    value = normalise_value(size)
    return value.removeprefix("us ")


def _codes(values: Sequence[str]) -> tuple[dict[str, int], np.ndarray]:
    table: dict[str, int] = {}
    codes = np.fromiter(
        (table.setdefault(value, len(table)) for value in values), dtype=np.int32, count=len(values)
    )
    return table, codes


def _membership(values_per_row: Sequence[Sequence[str]]) -> dict[str, np.ndarray]:
    masks: dict[str, np.ndarray] = {}
    for row, values in enumerate(values_per_row):
        for value in values:
            masks.setdefault(value, np.zeros(len(values_per_row), dtype=bool))[row] = True
    return masks


class AttributeTable:
    """Filterable attributes of the indexed products, one array entry per index row."""

    def __init__(self, records: Sequence[ProductRecord]) -> None:
        self.size = len(records)
        self.prices = np.array([record.price for record in records], dtype=np.float64)
        self.stock = np.array([record.stock for record in records], dtype=np.int64)
        self.ratings = np.array(
            [np.nan if record.rating is None else record.rating for record in records],
            dtype=np.float64,
        )
        category_table, self._category_codes = _codes(
            [normalise_phrase(r.category or "") for r in records]
        )
        # Padded with spaces so a filter matches at the start of a word ("cook" matches
        # "cookware", "hat" does not match "chat").
        self._categories = [f" {category} " for category in category_table]
        self._brands, self._brand_codes = _codes([normalise_value(r.brand or "") for r in records])
        self._colors = _membership([[normalise_value(c) for c in r.colors] for r in records])
        self._sizes = _membership([[normalise_size(s) for s in r.sizes] for r in records])
        # Brand and color names as query words (tokenized like queries), for boosts.
        brand_names = [name for name in self._brands if name]
        self._brand_words = {
            code: frozenset(words)
            for name, words in zip(brand_names, tokenize(brand_names), strict=True)
            if words and (code := self._brands[name]) is not None
        }
        color_names = list(self._colors)
        self._color_words = {
            name: frozenset(words)
            for name, words in zip(color_names, tokenize(color_names), strict=True)
            if words
        }

    def mask(self, filters: SearchFilters | None) -> np.ndarray:
        """Boolean array: which rows satisfy ``filters``."""
        allowed = np.ones(self.size, dtype=bool)
        if filters is None:
            return allowed
        nothing = np.zeros(self.size, dtype=bool)
        if filters.category:
            wanted = " " + normalise_phrase(filters.category)
            matches = np.array([wanted in category for category in self._categories] or [False])
            allowed &= matches[self._category_codes] if self.size else nothing
        if filters.brand:
            code = self._brands.get(normalise_value(filters.brand))
            allowed &= nothing if code is None else self._brand_codes == code
        if filters.color:
            allowed &= self._colors.get(normalise_value(filters.color), nothing)
        if filters.size:
            allowed &= self._sizes.get(normalise_size(filters.size), nothing)
        if filters.price_min is not None:
            allowed &= self.prices >= filters.price_min
        if filters.price_max is not None:
            allowed &= self.prices <= filters.price_max
        if filters.in_stock:
            allowed &= self.stock > 0
        return allowed

    def attribute_matches(
        self, query_words: set[str] | frozenset[str], rows: np.ndarray
    ) -> np.ndarray:
        """For each of ``rows``: how many of the brands and colors named in the query it has.

        ``query_words`` are the query's words as :func:`retrieval.product_text.tokenize`
        gives them; a brand of several words counts when all of them are in the query.
        """
        matches = np.zeros(rows.size, dtype=np.float32)
        for code, words in self._brand_words.items():
            if words <= query_words:
                matches += self._brand_codes[rows] == code
        for color, words in self._color_words.items():
            if words <= query_words:
                matches += self._colors[color][rows]
        return matches

    def masks(self) -> list[np.ndarray]:
        """The precomputed arrays behind the filters (for memory accounting)."""
        return [
            self._category_codes,
            self._brand_codes,
            *self._colors.values(),
            *self._sizes.values(),
        ]

    def popularity_order(self, rows: np.ndarray) -> np.ndarray:
        """``rows`` sorted best first by rating (unrated last), then stock."""
        ratings = np.nan_to_num(self.ratings[rows], nan=-1.0)
        return rows[np.lexsort((-self.stock[rows], -ratings))]
