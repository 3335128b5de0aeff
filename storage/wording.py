"""Shop words shared by the storage services and the actions that talk to shoppers."""

from __future__ import annotations

from collections.abc import Iterable


def list_in_words(items: Iterable[str]) -> str:
    """``["a", "b", "c"]`` -> ``"a, b and c"``; one item alone, nothing for no items."""
    words = list(items)
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"
