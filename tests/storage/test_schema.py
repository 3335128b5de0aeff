"""ORM behaviour users rely on: derived product values, order totals, portable enums, uniqueness."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from storage.schema import (
    Category,
    Customer,
    Order,
    OrderLine,
    OrderStatus,
    Product,
    ProductVariant,
)


def make_product(handle: str = "trail-shoe") -> Product:
    category = Category(name="Running Shoes", path="Shoes > Running Shoes")
    return Product(
        handle=handle,
        title="Trail Shoe",
        category=category,
        variants=[
            ProductVariant(
                sku=f"{handle}-1", color="black", size="9", price=Decimal("99.00"), stock=3
            ),
            ProductVariant(
                sku=f"{handle}-2", color="black", size="10", price=Decimal("89.50"), stock=0
            ),
            ProductVariant(
                sku=f"{handle}-3", color="blue", size="9", price=Decimal("99.00"), stock=4
            ),
        ],
    )


def make_order(variant: ProductVariant) -> Order:
    customer = Customer(name="Pat Doe", email="pat@example.org", zip_code="02108")
    return Order(
        number="30001",
        customer=customer,
        status=OrderStatus.SHIPPED,
        placed_at=datetime(2025, 1, 2, 10, 0),
        shipping_name="Pat Doe",
        shipping_line1="1 Main Street",
        shipping_city="Boston",
        shipping_region="MA",
        shipping_postal_code="02108",
        payment_method="Visa ending 1111",
        lines=[
            OrderLine(
                variant=variant, product_title="Trail Shoe", quantity=2, unit_price=Decimal("99.00")
            ),
            OrderLine(
                variant=variant, product_title="Trail Shoe", quantity=1, unit_price=Decimal("0.99")
            ),
        ],
    )


def test_product_values_derive_from_variants(session) -> None:
    product = make_product()
    session.add(product)
    session.flush()
    assert product.price == Decimal("89.50")
    assert product.colors == ("black", "blue")
    assert product.sizes == ("9", "10")
    assert product.stock == 7
    assert product.category_path == "Shoes > Running Shoes"
    assert Product(handle="empty", title="Empty").price is None


def test_order_total_address_and_status_stored_as_text(session) -> None:
    product = make_product()
    order = make_order(product.variants[0])
    session.add_all([product, order])
    session.commit()
    assert order.total == Decimal("198.99")
    assert order.shipping_address == "Pat Doe, 1 Main Street, Boston, MA 02108, US"
    raw_status = session.execute(
        text("SELECT status FROM orders WHERE number = '30001'")
    ).scalar_one()
    assert raw_status == "shipped"
    assert session.get(Order, order.id).status is OrderStatus.SHIPPED


def test_money_comes_back_as_exact_decimal(session) -> None:
    session.add(make_product())
    session.commit()
    session.expire_all()
    prices = sorted(v.price for v in session.get(Product, 1).variants)
    assert prices == [Decimal("89.50"), Decimal("99.00"), Decimal("99.00")]


def test_handles_and_skus_are_unique(session) -> None:
    session.add(make_product("shoe"))
    session.commit()
    session.add(Product(handle="shoe", title="Another shoe"))
    with pytest.raises(IntegrityError):
        session.flush()
