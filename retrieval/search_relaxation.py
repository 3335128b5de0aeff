"""When a filtered search finds nothing: which single filter, dropped, would give results."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from retrieval.product_index import SearchFilters, SearchHit

#: Filter fields in the order they are suggested, with the words used for them.
RELAXABLE_FILTERS = (
    ("price", ("price_min", "price_max"), "price limit"),
    ("color", ("color",), "colour"),
    ("size", ("size",), "size"),
    ("brand", ("brand",), "brand"),
    ("category", ("category",), "category"),
    ("in_stock", ("in_stock",), "in-stock condition"),
)


class Searchable(Protocol):
    """Anything with the product index's ``search``."""

    def search(
        self, query: str, filters: SearchFilters | None = None, k: int = 5
    ) -> Sequence[SearchHit]:
        """Ranked products for ``query`` under ``filters``."""


@dataclass(frozen=True)
class RelaxedAlternative:
    """A filter that, dropped, lets the search find products; with the best of them."""

    dropped: str
    dropped_label: str
    example_title: str
    filters: SearchFilters


def _is_set(filters: SearchFilters, fields: Sequence[str]) -> bool:
    return any(getattr(filters, name) not in (None, False, "") for name in fields)


def relaxed_alternatives(
    index: Searchable, query: str, filters: SearchFilters
) -> list[RelaxedAlternative]:
    """For each active filter, search again without it and keep those that find something."""
    alternatives = []
    for key, fields, label in RELAXABLE_FILTERS:
        if not _is_set(filters, fields):
            continue
        # Each field back to its "no filter" value (in_stock is a flag, the others optional).
        cleared: dict[str, Any] = {name: (False if name == "in_stock" else None) for name in fields}
        relaxed = replace(filters, **cleared)
        hits = index.search(query, relaxed, k=1)
        if hits:
            alternatives.append(RelaxedAlternative(key, label, hits[0].record.title, relaxed))
    return alternatives
