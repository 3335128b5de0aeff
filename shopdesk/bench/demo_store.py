"""Throw-away demo stores for the benchmarks: seeded into SQLite, read, then dropped (or kept)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker


@contextmanager
def seeded_demo_store(
    product_count: int,
    seed: int,
    today: date,
    *,
    directory: Path | None = None,
    progress: bool = True,
) -> Iterator[Session]:
    """A session on a demo store of ``product_count`` products seeded with ``seed`` on ``today``.

    The SQLite database lives in a temporary directory that is removed afterwards, or in
    ``directory`` when given: there it is kept, and a later call with the same size and seed
    reads it instead of seeding again.
    """
    from storage.db import create_engine_for, session_factory
    from storage.demo_store import seed_demo_store
    from storage.migrations import upgrade

    with tempfile.TemporaryDirectory(prefix="shopdesk-bench-") as scratch:
        folder = directory or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        database = folder / f"demo-{product_count}-seed{seed}.db"
        engine = create_engine_for(f"sqlite:///{database}")
        try:
            sessions = session_factory(engine)
            if not database.exists() or database.stat().st_size == 0 or not _has_products(sessions):
                upgrade(engine)
                with sessions() as session:
                    seed_demo_store(
                        session, today, seed=seed, product_count=product_count, progress=progress
                    )
            with sessions() as session:
                yield session
        finally:
            engine.dispose()


def _has_products(sessions: sessionmaker) -> bool:
    from sqlalchemy import func, select
    from sqlalchemy.exc import OperationalError

    from storage.schema import Product

    try:
        with sessions() as session:
            return bool(session.execute(select(func.count()).select_from(Product)).scalar_one())
    except OperationalError:
        return False


def demo_lookup_tables(seed: int, products: int, progress: bool = True) -> dict[str, list[str]]:
    """The catalog lookup tables (brands, categories, ...) of a demo store seeded today."""
    from shopdesk.lookups import catalog_lookup_tables

    with seeded_demo_store(products, seed, date.today(), progress=progress) as session:
        return catalog_lookup_tables(session)
