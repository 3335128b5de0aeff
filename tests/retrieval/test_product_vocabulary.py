"""The shopper's words for product types: synonyms, plurals and compounds of a catalog's types."""

from __future__ import annotations

from typing import Any

from retrieval.query_understanding import ProductVocabulary, plural, singular
from tests.helpers.trackers import entity

#: A catalog's product_category table as shopdesk.lookups writes it (singular and plural).
CATALOG = [
    "pants", "pant", "jogger pants", "jogger pant", "jacket", "jackets", "rain jacket",
    "rain jackets", "boot", "boots", "hiking boot", "hiking boots", "comforter", "comforters",
    "yoga", "yoga mat", "yoga mats", "sneaker", "sneakers", "shoe", "shoes", "sweatshirt",
    "sweatshirts",
]  # fmt: skip
VOCABULARY = ProductVocabulary.from_phrases(CATALOG)


def category(text: str, phrase: str, value: str | None = None) -> dict[str, Any]:
    """A product_category entity on ``phrase`` as RegexEntityExtractor reports it."""
    return entity("product_category", value or phrase, text, phrase)


def read(text: str, *entities: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(type, phrase in the text, value) of each entity :meth:`ProductVocabulary.refine` gives."""
    return [
        (item["entity"], text[item["start"] : item["end"]], item["value"])
        for item in VOCABULARY.refine(text, entities)
    ]


def test_singular_and_plural_forms() -> None:
    assert [singular(w) for w in ["boots", "accessories", "watches", "dress"]] == [
        "boot",
        "accessory",
        "watch",
        "dress",
    ]
    assert [plural(w) for w in ["boot", "glass", "accessory", "knife"]] == [
        "boots",
        "glasses",
        "accessories",
        "knives",
    ]


def test_everyday_words_are_found_and_valued_with_the_catalogs_word() -> None:
    assert read("any trousers under $50?") == [("product_category", "trousers", "pants")]
    assert read("Sweaters please") == [("product_category", "Sweaters", "sweatshirts")]
    assert read("is the duvet warm") == [("product_category", "duvet", "comforter")]
    assert read("a blazer for work") == [("product_category", "blazer", "jacket")]


def test_a_synonym_is_used_only_for_a_type_the_catalog_sells() -> None:
    no_bedding = ProductVocabulary.from_phrases(["pants", "jacket"])
    assert "duvet" not in no_bedding.synonyms
    assert no_bedding.refine("a duvet please", []) == []


def test_a_word_the_catalog_uses_itself_keeps_its_own_meaning() -> None:
    sells_sweaters = ProductVocabulary.from_phrases([*CATALOG, "sweater", "sweaters"])
    assert "sweater" not in sells_sweaters.synonyms
    text = "any sweaters?"
    assert sells_sweaters.refine(text, [category(text, "sweaters")])[0]["value"] == "sweaters"


def test_a_word_that_is_only_plural_is_not_found_in_a_made_up_singular() -> None:
    assert "trousers" in VOCABULARY.synonyms and "trouser" not in VOCABULARY.synonyms
    assert read("cut me some slack") == []


def test_adjacent_category_mentions_are_one_compound() -> None:
    text = "got yoga pants in purple?"
    found = read(
        text,
        category(text, "yoga"),
        category(text, "pants"),
        entity("color", "purple", text),
    )
    assert found == [
        ("product_category", "yoga pants", "yoga pants"),
        ("color", "purple", "purple"),
    ]


def test_a_catalog_modifier_before_a_type_joins_it_but_a_colour_does_not() -> None:
    text = "where are the yellow rain boots"
    found = read(text, entity("color", "yellow", text), category(text, "boots"))
    assert found == [
        ("color", "yellow", "yellow"),
        ("product_category", "rain boots", "rain boots"),
    ]


def test_a_compound_with_an_everyday_word_is_valued_with_the_catalogs_word() -> None:
    assert read("hiking trousers in green") == [
        ("product_category", "hiking trousers", "hiking pants")
    ]


def test_words_that_are_not_catalog_modifiers_stay_outside_the_mention() -> None:
    text = "any cheap sneakers under $80?"
    assert read(text, category(text, "sneakers")) == [("product_category", "sneakers", "sneakers")]
    text = "a desk lamp"
    assert VOCABULARY.refine(text, [category(text, "lamp")])[0]["start"] == text.index("lamp")


def test_messages_without_product_words_are_left_alone() -> None:
    text = "i'm running late, where is order 10001"
    order = entity("order_number", "10001", text)
    assert VOCABULARY.refine(text, [order]) == [order]


def test_a_shopper_word_inside_another_entity_is_not_a_second_mention() -> None:
    text = "the Duvet Co gift card"
    brand = entity("brand", "Duvet Co", text)
    assert VOCABULARY.refine(text, [brand]) == [brand]
