"""Entity substitution: annotated examples repeated with other catalog values."""

from __future__ import annotations

import pytest

from models.augmentation import AnnotatedExample, EntitySpan, substitute_entities

COLOURS = ["blue", "navy", "red", "green"]
BRANDS = ["Voltra", "Stridewell"]


def test_each_copy_swaps_the_annotated_value_for_another_of_its_type() -> None:
    example = AnnotatedExample("in blue please", "product_search", (EntitySpan(3, 7, "color"),))
    copies = substitute_entities([example], {"color": COLOURS}, copies=3, seed=1)

    assert len(copies) == 3
    assert {intent for _, intent in copies} == {"product_search"}
    assert {text for text, _ in copies} <= {"in navy please", "in red please", "in green please"}
    assert len({text for text, _ in copies}) == 3


def test_several_entities_keep_the_text_around_them_and_the_shoppers_case() -> None:
    text = "any voltra hoodies in red?"
    example = AnnotatedExample(
        text, "product_search", (EntitySpan(4, 10, "brand"), EntitySpan(22, 25, "color"))
    )
    [(copy, _)] = substitute_entities(
        [example], {"brand": BRANDS, "color": COLOURS}, copies=1, seed=3
    )

    assert copy.startswith("any stridewell hoodies in ")
    assert copy.endswith("?") and copy.split(" in ")[1].rstrip("?") in {"blue", "navy", "green"}


def test_examples_without_known_entity_types_add_nothing() -> None:
    examples = [
        AnnotatedExample("where is my order", "order_status"),
        AnnotatedExample("order 10002", "order_status", (EntitySpan(6, 11, "order_number"),)),
    ]
    assert substitute_entities(examples, {"color": COLOURS}, copies=2, seed=0) == []


def test_same_seed_same_copies_and_zero_copies_is_off() -> None:
    example = AnnotatedExample("navy ones", "product_search", (EntitySpan(0, 4, "color"),))
    first = substitute_entities([example], {"color": COLOURS}, copies=2, seed=5)
    assert first == substitute_entities([example], {"color": COLOURS}, copies=2, seed=5)
    assert substitute_entities([example], {"color": COLOURS}, copies=0, seed=5) == []
    with pytest.raises(ValueError, match="copies must be 0 or more"):
        substitute_entities([example], {"color": COLOURS}, copies=-1, seed=5)
