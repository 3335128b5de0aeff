"""Saving and loading the product index: manifest, round trip, staleness, load_or_build."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from pathlib import Path

import pytest

from retrieval.embeddings import TextEncoder
from retrieval.product_index import (
    FORMAT_VERSION,
    CorruptIndexError,
    IndexNotFoundError,
    ProductIndex,
    SearchFilters,
    StaleIndexError,
    catalog_fingerprint,
    load_or_build,
)
from storage.artefacts import MANIFEST_FILE
from storage.catalog import ProductRecord

QUERIES = [
    ("something to keep my coffee hot", None),
    ("STW-RUN-1001-BLK-9", None),
    ("jacket", SearchFilters(color="navy", in_stock=False)),
    ("", SearchFilters(category="kitchen")),
]


def results(index: ProductIndex) -> list[list[tuple[int, float]]]:
    return [
        [(h.record.product_id, round(h.score, 6)) for h in index.search(q, f, k=5)]
        for q, f in QUERIES
    ]


def edit_manifest(directory: Path, **changes) -> None:
    path = directory / MANIFEST_FILE
    manifest = json.loads(path.read_text())
    manifest.update(changes)
    path.write_text(json.dumps(manifest))


def test_round_trip_returns_the_same_results_and_records(
    product_index: ProductIndex, encoder: TextEncoder, tmp_path: Path
) -> None:
    product_index.save(tmp_path / "index")
    loaded = ProductIndex.load(tmp_path / "index", encoder)

    assert results(loaded) == results(product_index)
    assert loaded.get(31) == product_index.get(31)
    assert isinstance(loaded.get(31).updated_at, datetime)
    assert isinstance(loaded.get(31).skus, tuple)
    assert loaded.manifest == product_index.manifest


def test_manifest_describes_the_index(
    product_index: ProductIndex, catalog: list[ProductRecord], tmp_path: Path
) -> None:
    product_index.save(tmp_path / "index")
    manifest = json.loads((tmp_path / "index" / MANIFEST_FILE).read_text())

    assert manifest["kind"] == "product-index"
    assert manifest["format_version"] == FORMAT_VERSION
    assert manifest["model_name"] == "bundled:all-MiniLM-L6-v2"
    assert manifest["dimension"] == 384
    assert manifest["product_count"] == len(catalog)
    assert manifest["catalog_fingerprint"] == catalog_fingerprint(catalog)
    assert manifest["index_type"] == "flat"
    assert datetime.fromisoformat(manifest["created_at"]).tzinfo is not None


def test_save_replaces_an_existing_index_without_leftovers(
    product_index: ProductIndex, encoder: TextEncoder, tmp_path: Path
) -> None:
    target = tmp_path / "index"
    product_index.save(target)
    (target / "stray-file").write_text("from an older build")
    product_index.save(target)

    assert sorted(p.name for p in tmp_path.iterdir()) == ["index"]
    assert not (target / "stray-file").exists()
    assert len(ProductIndex.load(target, encoder)) == len(product_index)


def test_fingerprint_is_stable_and_order_independent(catalog: list[ProductRecord]) -> None:
    assert catalog_fingerprint(catalog) == catalog_fingerprint(list(reversed(catalog)))
    assert catalog_fingerprint(catalog).startswith("sha256:")


def test_changed_or_removed_record_makes_the_index_stale(
    product_index: ProductIndex, catalog: list[ProductRecord]
) -> None:
    cheaper = [
        dataclasses.replace(r, price=r.price - 1) if r.product_id == 7 else r for r in catalog
    ]

    assert not product_index.is_stale(catalog_fingerprint(catalog))
    assert product_index.is_stale(catalog_fingerprint(cheaper))
    assert product_index.is_stale(catalog_fingerprint(catalog[1:]))


@pytest.mark.parametrize(
    "changes",
    [
        {"model_name": "bundled:some-other-model"},
        {"dimension": 768},
        {"format_version": FORMAT_VERSION + 1},
    ],
)
def test_loading_an_index_of_another_model_or_format_raises_stale(
    product_index: ProductIndex, encoder: TextEncoder, tmp_path: Path, changes: dict
) -> None:
    product_index.save(tmp_path / "index")
    edit_manifest(tmp_path / "index", **changes)

    with pytest.raises(StaleIndexError, match="rebuild"):
        ProductIndex.load(tmp_path / "index", encoder)


def test_loading_from_an_empty_directory_raises_not_found(
    encoder: TextEncoder, tmp_path: Path
) -> None:
    with pytest.raises(IndexNotFoundError):
        ProductIndex.load(tmp_path, encoder)


def test_records_that_disagree_with_the_manifest_are_reported_as_corrupt(
    product_index: ProductIndex, encoder: TextEncoder, tmp_path: Path
) -> None:
    product_index.save(tmp_path / "index")
    edit_manifest(tmp_path / "index", catalog_fingerprint="sha256:0000")

    with pytest.raises(CorruptIndexError):
        ProductIndex.load(tmp_path / "index", encoder)


class CountingLoader:
    """A records loader that counts its calls."""

    def __init__(self, records: list[ProductRecord]) -> None:
        self.records = records
        self.calls = 0

    def __call__(self) -> list[ProductRecord]:
        self.calls += 1
        return self.records


def test_load_or_build_builds_and_saves_when_missing(
    encoder: TextEncoder, catalog: list[ProductRecord], tmp_path: Path
) -> None:
    index = load_or_build(tmp_path / "index", CountingLoader(catalog), encoder, progress=False)

    assert len(index) == len(catalog)
    assert (tmp_path / "index" / MANIFEST_FILE).is_file()


def test_load_or_build_loads_a_fresh_index_and_rebuilds_a_stale_one(
    product_index: ProductIndex, encoder: TextEncoder, catalog: list[ProductRecord], tmp_path: Path
) -> None:
    directory = tmp_path / "index"
    product_index.save(directory)
    edit_manifest(directory, created_at="2000-01-01T00:00:00+00:00")  # marks the saved copy

    fresh = load_or_build(directory, CountingLoader(catalog), encoder, progress=False)
    assert fresh.manifest.created_at == "2000-01-01T00:00:00+00:00"

    renamed = [
        dataclasses.replace(r, title="Everest Summit Thermos") if r.product_id == 31 else r
        for r in catalog
    ]
    loader = CountingLoader(renamed)
    rebuilt = load_or_build(directory, loader, encoder, progress=False)

    assert loader.calls == 1
    assert rebuilt.manifest.created_at != "2000-01-01T00:00:00+00:00"
    assert not rebuilt.is_stale(catalog_fingerprint(renamed))
    assert rebuilt.search("Everest Summit thermos", k=1)[0].record.title == "Everest Summit Thermos"
    saved = json.loads((directory / MANIFEST_FILE).read_text())
    assert saved["catalog_fingerprint"] == catalog_fingerprint(renamed)


def test_load_or_build_rebuilds_an_index_of_another_model(
    product_index: ProductIndex, encoder: TextEncoder, catalog: list[ProductRecord], tmp_path: Path
) -> None:
    directory = tmp_path / "index"
    product_index.save(directory)
    edit_manifest(directory, model_name="bundled:some-other-model")

    index = load_or_build(directory, CountingLoader(catalog), encoder, progress=False)

    assert index.manifest.model_name == encoder.model_name
    assert json.loads((directory / MANIFEST_FILE).read_text())["model_name"] == encoder.model_name


def test_load_or_build_rebuilds_when_the_catalog_outgrows_the_exact_index(
    product_index: ProductIndex, encoder: TextEncoder, catalog: list[ProductRecord], tmp_path: Path
) -> None:
    product_index.save(tmp_path / "index")

    index = load_or_build(
        tmp_path / "index",
        CountingLoader(catalog),
        encoder,
        approximate_threshold=20,
        progress=False,
    )

    assert index.index_type == "ivf"
