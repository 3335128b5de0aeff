"""Incremental changes (upsert/remove) and the approximate (IVF) index path."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path

import pytest

from retrieval.embeddings import TextEncoder
from retrieval.product_index import (
    ProductIndex,
    ProductIndexError,
    SearchFilters,
    catalog_fingerprint,
)
from storage.catalog import ProductRecord


def ids(hits) -> list[int]:
    return [hit.record.product_id for hit in hits]


def new_product(**changes) -> ProductRecord:
    base = ProductRecord(
        product_id=101,
        handle="alpine-espresso-thermos",
        title="Alpine Vacuum Thermos Flask 1L",
        brand="Hearth & Home",
        category="Home & Kitchen > Coffee & Tea",
        description="A large vacuum flask that keeps coffee or soup hot all day on the trail.",
        price=42.0,
        currency="USD",
        colors=("green",),
        sizes=(),
        material="stainless steel",
        rating=4.9,
        stock=10,
        skus=("HNH-FLK-0101-GRN",),
        image_url=None,
        final_sale=False,
        updated_at=datetime(2024, 6, 1, 9, 30),
    )
    return dataclasses.replace(base, **changes)


@pytest.fixture(scope="module")
def ivf_index(encoder: TextEncoder, catalog_records: tuple[ProductRecord, ...]) -> ProductIndex:
    """An approximate index over the test catalog; tests must not change it."""
    # 4 lists, 1 probed: a narrow filter forces the "probe every list" fallback.
    return ProductIndex.build(
        catalog_records, encoder, approximate_threshold=10, ivf_lists=4, ivf_probe=1, progress=False
    )


def test_upsert_adds_a_new_product_that_search_finds(fresh_index: ProductIndex) -> None:
    result = fresh_index.upsert([new_product()])

    assert (result.added, result.updated, result.embedded) == (1, 0, 1)
    assert len(fresh_index) == 51
    assert ids(fresh_index.search("vacuum flask for soup", k=1)) == [101]
    assert ids(fresh_index.search("HNH-FLK-0101-GRN", k=1)) == [101]


def test_upsert_of_a_price_change_updates_filters_without_re_embedding(
    fresh_index: ProductIndex,
) -> None:
    mug = fresh_index.get(31)
    result = fresh_index.upsert([dataclasses.replace(mug, price=9.5, stock=0)])

    assert (result.added, result.updated, result.embedded) == (0, 1, 0)
    assert ids(fresh_index.search("travel mug", SearchFilters(price_max=10), k=5)) == [31]
    assert 31 not in ids(fresh_index.search("travel mug", SearchFilters(in_stock=True), k=50))


def test_upsert_of_a_new_title_re_embeds_only_that_product(fresh_index: ProductIndex) -> None:
    vase = fresh_index.get(35)
    unchanged = fresh_index.get(1)
    result = fresh_index.upsert(
        [dataclasses.replace(vase, title="Handmade Ceramic Ramen Bowl"), unchanged]
    )

    assert (result.added, result.updated, result.embedded) == (0, 1, 1)
    assert ids(fresh_index.search("bowl for noodle soup", k=1)) == [35]
    assert fresh_index.get(35).title == "Handmade Ceramic Ramen Bowl"


def test_fingerprint_follows_incremental_changes(
    fresh_index: ProductIndex, catalog: list[ProductRecord]
) -> None:
    fresh_index.upsert([new_product()])
    fresh_index.remove([7])
    expected = [r for r in catalog if r.product_id != 7] + [new_product()]

    assert not fresh_index.is_stale(catalog_fingerprint(expected))


def test_remove_hides_products_from_search(fresh_index: ProductIndex) -> None:
    assert fresh_index.remove([31, 9999]) == 1

    assert 31 not in fresh_index
    assert 31 not in ids(fresh_index.search("something to keep my coffee hot", k=10))
    assert 31 not in ids(fresh_index.search("HNH-MUG-1031", k=10))
    assert (
        fresh_index.search("", SearchFilters(brand="Hearth & Home"), k=5)[0].record.product_id == 35
    )


def test_incremental_changes_survive_save_and_load(
    fresh_index: ProductIndex, encoder: TextEncoder, tmp_path: Path
) -> None:
    fresh_index.upsert([new_product()])
    fresh_index.remove([31])
    fresh_index.save(tmp_path / "index")

    loaded = ProductIndex.load(tmp_path / "index", encoder)

    assert ids(loaded.search("vacuum flask for soup", k=1)) == [101]
    assert 31 not in loaded
    assert len(loaded) == 50


def test_build_rejects_duplicate_product_ids(
    encoder: TextEncoder, catalog: list[ProductRecord]
) -> None:
    with pytest.raises(ProductIndexError, match="appears twice"):
        ProductIndex.build(catalog + [catalog[0]], encoder, progress=False)


def test_large_catalog_uses_the_approximate_index(ivf_index: ProductIndex) -> None:
    assert ivf_index.index_type == "ivf"
    assert ivf_index.manifest.ivf_lists == 4
    assert ids(ivf_index.search("something to keep my coffee hot", k=1)) == [31]
    assert ids(ivf_index.search("STW-RUN-1001-BLK-9", k=1)) == [1]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (SearchFilters(category="cookware"), {27, 28}),
        (SearchFilters(brand="brewmaster"), {29, 30, 32}),
        (SearchFilters(color="purple"), {43}),
    ],
)
def test_approximate_index_applies_filters_before_the_cut(
    ivf_index: ProductIndex, filters: SearchFilters, expected: set[int]
) -> None:
    hits = ivf_index.search("wireless noise cancelling headphones", filters, k=len(expected))

    assert set(ids(hits)) == expected


def test_approximate_index_returns_k_results_with_a_broad_filter(ivf_index: ProductIndex) -> None:
    hits = ivf_index.search("gift", SearchFilters(price_max=60), k=20)

    assert len(hits) == 20
    assert all(hit.record.price <= 60 for hit in hits)


def test_approximate_index_supports_upsert_remove_and_persistence(
    ivf_index: ProductIndex, encoder: TextEncoder, tmp_path: Path
) -> None:
    index = ProductIndex.load(ivf_index.save(tmp_path / "copy"), encoder)
    index.upsert([new_product()])
    index.remove([31])
    index.save(tmp_path / "ivf")

    loaded = ProductIndex.load(tmp_path / "ivf", encoder)

    assert loaded.index_type == "ivf"
    assert ids(loaded.search("vacuum flask for soup", k=1)) == [101]
    assert 31 not in ids(loaded.search("travel mug", SearchFilters(category="coffee"), k=5))
    assert ids(loaded.search("", SearchFilters(category="coffee & tea"), k=5)) == [101, 29]


def test_empty_index_finds_nothing_until_products_are_added(encoder: TextEncoder) -> None:
    index = ProductIndex.build([], encoder, progress=False)

    assert index.search("thermos") == []
    assert index.search("", SearchFilters(category="kitchen")) == []

    index.upsert([new_product()])

    assert ids(index.search("thermos", k=5)) == [101]
