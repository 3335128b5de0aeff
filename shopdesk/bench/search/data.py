"""The search benchmark's catalogs: products CSV rows and the judged demo catalog."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from shopdesk.bench.demo_store import seeded_demo_store
from shopdesk.settings import PROJECT_ROOT
from storage.errors import ShopdeskError

if TYPE_CHECKING:
    from storage.catalog import ProductRecord

DEMO_JUDGMENTS = PROJECT_ROOT / "retrieval" / "judgments" / "demo"
#: The demo catalog the judgments were made on: seed, size and seeding date.
DEMO_SEED = 7
DEMO_PRODUCTS = 2_400
DEMO_TODAY = date(2025, 3, 14)
PRODUCT_COLUMNS = (
    "product_id",
    "title",
    "description",
    "brand",
    "category",
    "colors",
    "material",
    "price",
)
_LIST_SEPARATOR = "|"
_UPDATED_AT = datetime(2025, 1, 1)


class BenchmarkInputError(ShopdeskError, ValueError):
    """The benchmark's input files do not fit together (for example non-numeric product ids)."""


def records_from_rows(rows: Sequence[dict[str, str]]) -> list[ProductRecord]:
    """Products CSV rows as :class:`ProductRecord` (columns beyond id/title/description optional).

    Product ids must be whole numbers (the FAISS index stores products under integer ids).
    """
    from storage.catalog import ProductRecord

    records = []
    for number, row in enumerate(rows, start=2):
        try:
            product_id = int(row["product_id"])
        except ValueError as exc:
            raise BenchmarkInputError(
                f"products CSV line {number}: product_id {row['product_id']!r} is not a whole "
                "number; number the products 1, 2, 3 ... and use the same ids in the judgments."
            ) from exc
        records.append(
            ProductRecord(
                product_id=product_id,
                handle=str(product_id),
                title=row["title"],
                brand=row.get("brand") or None,
                category=row.get("category") or None,
                description=row.get("description") or "",
                price=float(row.get("price") or 0.0),
                currency="USD",
                colors=tuple(c for c in (row.get("colors") or "").split(_LIST_SEPARATOR) if c),
                sizes=(),
                material=row.get("material") or None,
                rating=None,
                stock=1,
                skus=(),
                image_url=None,
                final_sale=False,
                updated_at=_UPDATED_AT,
            )
        )
    return records


def seed_demo_records(
    product_count: int = DEMO_PRODUCTS,
    seed: int = DEMO_SEED,
    *,
    directory: Path | None = None,
    progress: bool = True,
) -> list[ProductRecord]:
    """The products of a freshly seeded demo store (SQLite, kept in ``directory`` when given)."""
    from storage.catalog import iter_product_records

    with seeded_demo_store(
        product_count, seed, DEMO_TODAY, directory=directory, progress=progress
    ) as session:
        return list(iter_product_records(session))


def export_products(records: Sequence[ProductRecord], path: Path) -> Path:
    """Write ``records`` as a products CSV (id, title, description and the optional attributes)."""
    from retrieval.evaluation import write_csv

    return write_csv(
        path,
        PRODUCT_COLUMNS,
        (
            (
                r.product_id,
                r.title,
                r.description,
                r.brand or "",
                r.category or "",
                _LIST_SEPARATOR.join(r.colors),
                r.material or "",
                f"{r.price:.2f}",
            )
            for r in records
        ),
    )
