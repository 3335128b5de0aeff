"""The benchmarks' throw-away demo store: seeded once into a kept folder, or a temporary one."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from shopdesk.bench.demo_store import seeded_demo_store
from storage.catalog import iter_product_records
from storage.schema import Product

SEEDED_ON = date(2025, 3, 14)


def test_a_kept_store_is_seeded_once_and_read_again(tmp_path: Path) -> None:
    with seeded_demo_store(30, 7, SEEDED_ON, directory=tmp_path, progress=False) as session:
        first = list(iter_product_records(session))
    (database,) = tmp_path.glob("*.db")
    seeded_at = database.stat().st_mtime_ns
    with seeded_demo_store(30, 7, SEEDED_ON, directory=tmp_path, progress=False) as session:
        again = list(iter_product_records(session))
    assert len(first) == 30 and again == first
    assert database.stat().st_mtime_ns == seeded_at


def test_another_size_or_seed_is_a_store_of_its_own(tmp_path: Path) -> None:
    for products, seed in ((20, 7), (20, 8), (25, 7)):
        with seeded_demo_store(products, seed, SEEDED_ON, directory=tmp_path, progress=False) as s:
            assert s.execute(select(func.count()).select_from(Product)).scalar_one() == products
    assert len(list(tmp_path.glob("*.db"))) == 3


def test_a_temporary_store_leaves_nothing_behind() -> None:
    with seeded_demo_store(20, 7, SEEDED_ON, progress=False) as session:
        folder = Path(session.get_bind().url.database).parent
        assert folder.is_dir()
    assert not folder.exists()
