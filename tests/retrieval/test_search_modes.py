"""Search modes, spelling tolerance, attribute boosts, the query cache and resumable builds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from retrieval.embeddings import TextEncoder, encode_in_chunks
from retrieval.product_index import ProductIndex, RankingWeights, SearchFilters
from retrieval.product_text import SpellingCorrector, edit_distance
from storage.catalog import ProductRecord


def ids(hits) -> list[int]:
    return [hit.record.product_id for hit in hits]


def test_bm25_mode_returns_only_products_sharing_a_word(product_index: ProductIndex) -> None:
    hits = product_index.search("merino", k=10, mode="bm25")
    assert ids(hits) == [17]
    assert hits[0].lexical_score > 0 and hits[0].dense_score == 0.0


def test_dense_mode_ranks_by_cosine_alone(product_index: ProductIndex) -> None:
    hits = product_index.search("something to keep my coffee hot", k=5, mode="dense")
    assert ids(hits)[0] == 31
    scores = [hit.dense_score for hit in hits]
    assert scores == sorted(scores, reverse=True) and all(hit.lexical_score == 0 for hit in hits)


def test_every_mode_applies_filters(product_index: ProductIndex) -> None:
    for mode in ("bm25", "dense", "hybrid"):
        hits = product_index.search("shoe", SearchFilters(price_max=100), k=10, mode=mode)
        assert hits and all(hit.record.price <= 100 for hit in hits), mode


def test_unknown_mode_is_rejected(product_index: ProductIndex) -> None:
    with pytest.raises(ValueError, match="Unknown search mode 'sparse'"):
        product_index.search("shoe", mode="sparse")


@pytest.mark.parametrize(
    ("query", "expected"),
    [("hedphones", 18), ("blutooth speaker", 20), ("stridwell", 1), ("merrino socks", 17)],
)
def test_misspelled_queries_find_the_product(
    product_index: ProductIndex, query: str, expected: int
) -> None:
    assert expected in ids(product_index.search(query, k=3))


def test_understanding_corrects_only_unknown_words(product_index: ProductIndex) -> None:
    understood = product_index.understand("blutooth speakr for my daughter")
    assert dict(understood.corrections) == {"blutooth": "bluetooth", "speakr": "speaker"}
    assert understood.dense_text == "bluetooth speaker for my daughter"
    assert product_index.understand("gift for my daughter").corrections == ()


def test_spelling_corrector_prefers_the_closest_then_the_commonest_word() -> None:
    corrector = SpellingCorrector({"mug": 9, "jacket": 3, "packet": 7, "bracket": 1})
    assert corrector.correct("jackett") == "jacket"
    assert corrector.correct("cacket") == "packet"  # both at distance 1: the commoner wins
    assert corrector.correct("mugg") == "mugg"  # too short to correct into a 3-letter word
    assert corrector.correct("zzzzzz") == "zzzzzz"
    assert edit_distance("hte", "the") == 1 and edit_distance("kitten", "sitting") == 3


def test_attribute_boost_lifts_products_of_the_named_color(
    encoder: TextEncoder, catalog_records: tuple[ProductRecord, ...]
) -> None:
    index = ProductIndex.build(
        catalog_records, encoder, progress=False, weights=RankingWeights(attribute_boost=0.0)
    )
    plain = index.search("navy shoe", k=3)
    index.weights = RankingWeights(attribute_boost=0.05)
    boosted = index.search("navy shoe", k=3)
    assert "navy" in boosted[0].record.colors
    assert sum("navy" in h.record.colors for h in boosted) >= sum(
        "navy" in h.record.colors for h in plain
    )


@pytest.mark.parametrize(
    "filters",
    [
        SearchFilters(category="running shoe"),
        SearchFilters(color="black", price_max=150),
        SearchFilters(brand="kestrel"),
    ],
)
def test_approximate_index_filters_match_the_exact_index(
    encoder: TextEncoder,
    catalog_records: tuple[ProductRecord, ...],
    product_index: ProductIndex,
    filters: SearchFilters,
) -> None:
    approximate = ProductIndex.build(
        catalog_records, encoder, approximate_threshold=10, ivf_lists=4, ivf_probe=2, progress=False
    )
    allowed = product_index.ids_matching(filters)
    for mode in ("dense", "hybrid"):
        found = ids(
            approximate.search("comfortable everyday product", filters, k=len(allowed), mode=mode)
        )
        assert set(found) == allowed, mode


@pytest.mark.parametrize(
    "filters",
    [
        SearchFilters(category="running shoe"),
        SearchFilters(color="black", price_max=150),
        SearchFilters(),
    ],
)
def test_ids_matching_are_the_products_a_filtered_search_can_return(
    product_index: ProductIndex, filters: SearchFilters
) -> None:
    everything = product_index.search("", filters, k=len(product_index))
    assert product_index.ids_matching(filters) == {hit.record.product_id for hit in everything}
    assert product_index.ids_matching(filters)


def test_query_cache_returns_the_same_vector_and_can_be_cleared(encoder: TextEncoder) -> None:
    first = encoder.encode(["a warm winter jacket"])
    first[0, 0] = 99.0  # callers get copies: changing one does not poison the cache
    again = encoder.encode(["a warm winter jacket"])
    assert again[0, 0] != 99.0
    encoder.clear_cache()
    np.testing.assert_allclose(encoder.encode(["a warm winter jacket"]), again, atol=1e-6)


def test_long_queries_are_cut_to_the_query_token_limit(encoder: TextEncoder) -> None:
    long_query = "waterproof hiking boots " * 100
    vector = encoder.encode([long_query])
    assert vector.shape == (1, 384) and np.isclose(np.linalg.norm(vector), 1.0)


def test_chunked_embeddings_resume_from_saved_chunks(encoder: TextEncoder, tmp_path: Path) -> None:
    texts = [f"product number {n}" for n in range(7)]
    first = encode_in_chunks(encoder, texts, tmp_path, chunk_size=3, progress=False)
    chunks = {path: np.load(path) for path in tmp_path.glob("*.npy")}
    assert len(chunks) == 3
    head = next(path for path, vectors in chunks.items() if np.allclose(vectors, first[:3]))
    middle = next(path for path, vectors in chunks.items() if np.allclose(vectors, first[3:6]))
    head.unlink()  # as if the build had been interrupted before this chunk was saved
    np.save(middle, np.full_like(chunks[middle], 0.5))  # marks a chunk that must be reused
    again = encode_in_chunks(encoder, texts, tmp_path, chunk_size=3, progress=False)
    np.testing.assert_allclose(again[:3], first[:3], atol=1e-5)
    assert (again[3:6] == 0.5).all() and head.exists()


def test_index_memory_is_reported_by_part(product_index: ProductIndex) -> None:
    memory = product_index.memory_bytes()
    assert memory["vectors"] >= 50 * 384 * 4 and memory["bm25"] > 0 and memory["attributes"] > 0
