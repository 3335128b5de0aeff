"""Document texts, SKU terms and plural stemming used by the product index."""

from __future__ import annotations

import dataclasses

import pytest

from retrieval.product_text import (
    embedding_text,
    lexical_query,
    lexical_text,
    normalise_phrase,
    sku_terms,
    stem_word,
    tokenize,
)
from storage.catalog import ProductRecord


@pytest.mark.parametrize(
    ("word", "stem"),
    [
        ("shoes", "shoe"),
        ("batteries", "battery"),
        ("watches", "watch"),
        ("boxes", "box"),
        ("dress", "dress"),
        ("canvas", "canvas"),
        ("headphones", "headphone"),
        ("gas", "gas"),
    ],
)
def test_stem_word_reduces_plurals_only(word: str, stem: str) -> None:
    assert stem_word(word) == stem


def test_normalise_phrase_ignores_case_punctuation_and_plural() -> None:
    assert normalise_phrase("Apparel > T-Shirts") == "apparel t shirt"
    assert normalise_phrase("running SHOE") == normalise_phrase("Running Shoes")


def test_sku_terms_include_product_code_prefixes() -> None:
    assert sku_terms("STW-RUN-1001-BLK-9") == [
        "stwrun",
        "stwrun1001",
        "stwrun1001blk",
        "stwrun1001blk9",
    ]
    assert sku_terms("VOL123") == ["vol123"]


def test_lexical_query_turns_a_sku_into_indexed_terms_and_keeps_words() -> None:
    tokens = tokenize([lexical_query("Do you have STW-RUN-1001-BLK-9 in stock?")])[0]

    assert "stwrun1001blk9" in tokens
    assert "stock" in tokens
    assert "you" not in tokens  # stopword
    assert "blk" not in tokens  # SKU pieces do not leak into ordinary words


def test_lexical_text_weights_title_above_description(catalog: list[ProductRecord]) -> None:
    mug = next(record for record in catalog if record.product_id == 31)
    tokens = tokenize([lexical_text(mug)])[0]

    assert tokens.count("mug") > tokens.count("drink")
    assert tokens.count("hearth") == 2  # brand twice
    assert "hnhmug1031nvy" in tokens


def test_embedding_text_has_key_attributes_and_first_sentences(
    catalog: list[ProductRecord],
) -> None:
    mug = next(record for record in catalog if record.product_id == 31)
    text = embedding_text(mug)

    assert text.startswith("Insulated Stainless Steel Travel Mug by Hearth & Home.")
    assert "Home & Kitchen > Coffee & Tea" in text
    assert "navy, red, silver" in text
    assert "Keeps drinks hot" in text
    assert "cup holders" not in text  # third sentence left out


def test_texts_handle_records_without_brand_category_or_material(
    catalog: list[ProductRecord],
) -> None:
    bare = dataclasses.replace(catalog[0], brand=None, category=None, material=None)

    assert "None" not in embedding_text(bare)
    assert "None" not in lexical_text(bare)
