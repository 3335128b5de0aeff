"""Stock per variant: what a shopper asks when they name a size or a colour."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.schema import ProductVariant


@dataclass(frozen=True)
class VariantStock:
    """One sellable variant of a product and how many are left."""

    sku: str
    color: str | None
    size: str | None
    price: float
    stock: int


def variant_stock(session: Session, product_id: int) -> list[VariantStock]:
    """The variants of a product with their stock, ordered by SKU."""
    rows = session.execute(
        select(ProductVariant)
        .where(ProductVariant.product_id == product_id)
        .order_by(ProductVariant.sku)
    ).scalars()
    return [VariantStock(v.sku, v.color, v.size, float(v.price), int(v.stock)) for v in rows]
