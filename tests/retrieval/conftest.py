"""Fixtures for product search: the bundled MiniLM encoder and a small hand-made catalog."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.embeddings import TextEncoder
from retrieval.product_index import ProductIndex
from storage.catalog import ProductRecord
from tests.helpers.catalog import make_catalog

BUNDLED_MODEL = "bundled:all-MiniLM-L6-v2"


@pytest.fixture(scope="session")
def encoder() -> TextEncoder:
    """The real bundled all-MiniLM-L6-v2 encoder, loaded once per test session."""
    return TextEncoder(BUNDLED_MODEL)


@pytest.fixture(scope="session")
def catalog_records() -> tuple[ProductRecord, ...]:
    """The test catalog (records are frozen, so one tuple serves the whole session)."""
    return tuple(make_catalog())


@pytest.fixture()
def catalog(catalog_records: tuple[ProductRecord, ...]) -> list[ProductRecord]:
    """The test catalog as a list a test may change."""
    return list(catalog_records)


@pytest.fixture(scope="session")
def product_index(encoder: TextEncoder, catalog_records: tuple[ProductRecord, ...]) -> ProductIndex:
    """An exact index over the test catalog, shared by all tests: tests must not change it."""
    return ProductIndex.build(catalog_records, encoder, progress=False)


@pytest.fixture(scope="session")
def saved_index_dir(product_index: ProductIndex, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """:func:`product_index` saved once; load it to get a copy a test may change."""
    return product_index.save(tmp_path_factory.mktemp("saved") / "index")


@pytest.fixture()
def fresh_index(saved_index_dir: Path, encoder: TextEncoder) -> ProductIndex:
    """A private copy of the exact test index (loaded, not re-embedded)."""
    return ProductIndex.load(saved_index_dir, encoder)
