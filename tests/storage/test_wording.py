"""Lists in a shopper's words, as product answers and product descriptions say them."""

from __future__ import annotations

import pytest

from storage.wording import list_in_words


@pytest.mark.parametrize(
    ("items", "words"),
    [
        ([], ""),
        (["navy"], "navy"),
        (["navy", "black"], "navy and black"),
        (("S", "M", "L"), "S, M and L"),
        (iter(["red", "green", "blue", "gold"]), "red, green, blue and gold"),
    ],
)
def test_list_in_words(items, words: str) -> None:
    assert list_in_words(items) == words
