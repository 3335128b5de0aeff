"""Operator tasks behind the ``shopdesk`` command: database, demo store, catalog, index."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from rich.console import Console
from sqlalchemy import func, select

from retrieval.embeddings import TextEncoder
from retrieval.product_index import (
    CorruptIndexError,
    ProductIndex,
    StaleIndexError,
    catalog_fingerprint,
    load_or_build,
)
from shopdesk.settings import Settings
from storage.catalog import iter_product_records
from storage.catalog_import import ImportReport, import_catalog
from storage.db import create_engine_for, session_factory
from storage.demo_store import seed_demo_store
from storage.migrations import upgrade
from storage.schema import Product

console = Console(stderr=True)


def prepare_database(settings: Settings) -> None:
    """Create or upgrade the shop database schema to the latest migration."""
    upgrade(settings.database_url)


def product_count(settings: Settings) -> int:
    """How many products the shop database holds."""
    engine = create_engine_for(settings.database_url)
    try:
        with session_factory(engine)() as session:
            return int(session.execute(select(func.count(Product.id))).scalar_one())
    finally:
        engine.dispose()


def seed_demo(settings: Settings, products: int = 2400, today: date | None = None) -> bool:
    """Seed the demo store into an empty database; return False when products already exist."""
    prepare_database(settings)
    if product_count(settings) > 0:
        return False
    engine = create_engine_for(settings.database_url)
    try:
        with session_factory(engine)() as session:
            seed_demo_store(
                session,
                today=today or settings.shop_today(),
                seed=settings.demo_seed,
                product_count=products,
            )
    finally:
        engine.dispose()
    return True


def _load_records(settings: Settings, product_ids: Sequence[int] | None = None):
    engine = create_engine_for(settings.database_url)
    try:
        with session_factory(engine)() as session:
            return list(iter_product_records(session, product_ids=product_ids))
    finally:
        engine.dispose()


def refresh_index(
    settings: Settings, *, rebuild: bool = False, encoder: TextEncoder | None = None
) -> ProductIndex:
    """Load the product index, rebuilding it when missing, stale or when ``rebuild`` is asked."""
    encoder = encoder or TextEncoder(settings.embedding_model)
    if rebuild and settings.index_dir.exists():
        index = ProductIndex.build(
            _load_records(settings),
            encoder,
            approximate_threshold=settings.approximate_index_threshold,
        )
        index.save(settings.index_dir)
        return index
    return load_or_build(
        settings.index_dir,
        lambda: _load_records(settings),
        encoder,
        approximate_threshold=settings.approximate_index_threshold,
    )


def import_catalog_file(settings: Settings, path: Path, file_format: str = "auto") -> ImportReport:
    """Import a catalog file into the shop database.

    Then update the index for the changed products.
    """
    prepare_database(settings)
    engine = create_engine_for(settings.database_url)
    try:
        with session_factory(engine)() as session:
            report = import_catalog(
                path, session, format=file_format, default_currency=settings.default_currency
            )
    finally:
        engine.dispose()
    changed = list(report.changed_ids)
    if changed and settings.index_dir.exists():
        encoder = TextEncoder(settings.embedding_model)
        try:
            index = ProductIndex.load(settings.index_dir, encoder)
        except (StaleIndexError, CorruptIndexError):
            # Saved by an older shopdesk or broken: the catalog is in; build the index anew.
            refresh_index(settings, rebuild=True, encoder=encoder)
            return report
        index.upsert(_load_records(settings, changed))
        if index.is_stale(catalog_fingerprint(_load_records(settings))):
            index = refresh_index(settings, rebuild=True, encoder=encoder)
        else:
            index.save(settings.index_dir)
    elif changed:
        refresh_index(settings)
    return report
