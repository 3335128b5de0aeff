"""What the storefront shows, read from the shop database through storage/."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.catalog import ProductRecord, iter_product_records, product_id_for_handle
from storage.schema import CATEGORY_SEPARATOR, Category, Product


@dataclass
class Department:
    """A top-level category and its subcategories with product counts."""

    name: str
    path: str
    children: list[tuple[str, str, int]] = field(default_factory=list)

    @property
    def count(self) -> int:
        """Products in the department and all its subcategories."""
        return sum(count for _, _, count in self.children)


def departments(session: Session) -> list[Department]:
    """The shop's top-level categories, each with its subcategories (name, path, count)."""
    counts = Counter(
        path
        for (path,) in session.execute(
            select(Category.path).join(Product, Product.category_id == Category.id)
        )
    )
    result: dict[str, Department] = {}
    for path in sorted(counts):
        top = path.split(CATEGORY_SEPARATOR)[0]
        department = result.setdefault(top, Department(top, top))
        department.children.append((path.split(CATEGORY_SEPARATOR)[-1], path, counts[path]))
    return list(result.values())


def category_products(session: Session, path: str, limit: int = 60) -> list[ProductRecord]:
    """Products of the category ``path`` and its subcategories, best rated first."""
    ids = session.scalars(
        select(Product.id)
        .join(Category, Product.category_id == Category.id)
        .where((Category.path == path) | Category.path.startswith(path + CATEGORY_SEPARATOR))
        .order_by(Product.rating.desc().nullslast(), Product.id)
        .limit(limit)
    ).all()
    records = {r.product_id: r for r in iter_product_records(session, product_ids=ids)}
    return [records[i] for i in ids if i in records]


def featured_products(session: Session, limit: int = 8) -> list[ProductRecord]:
    """Best rated products in stock, for the home page."""
    ids = session.scalars(
        select(Product.id).order_by(Product.rating.desc().nullslast(), Product.id).limit(limit * 3)
    ).all()
    return [r for r in iter_product_records(session, product_ids=ids) if r.in_stock][:limit]


def product_by_handle(session: Session, handle: str) -> ProductRecord | None:
    """The product whose handle is ``handle``, or None."""
    product_id = product_id_for_handle(session, handle)
    if product_id is None:
        return None
    return next(iter(iter_product_records(session, product_ids=[product_id])), None)
