"""The demo store: every fact of docs/demo-data.md, determinism, and catalog realism."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.catalog import iter_product_records
from storage.db import session_factory
from storage.demo_store import DemoStoreNotEmpty, seed_demo_store
from storage.schema import (
    Category,
    Customer,
    Order,
    OrderStatus,
    Product,
    ProductVariant,
    Refund,
    ReturnRequest,
)

# Must equal tests/storage/conftest.py TODAY; the `today` fixture checks it.
TODAY = date(2025, 3, 14)
DOC = (Path(__file__).resolve().parents[2] / "docs" / "demo-data.md").read_text(encoding="utf-8")
CONTRACT_ORDERS = [f"1000{n}" for n in range(1, 7)]


def doc_table(heading: str) -> list[dict[str, str]]:
    """Rows of the first markdown table under the heading ``heading`` of docs/demo-data.md."""
    lines = DOC.split("\n")
    start = next(
        i for i, line in enumerate(lines) if re.fullmatch(rf"#+ {re.escape(heading)}", line.strip())
    )
    table = [line for line in _first_block(lines[start + 1 :])]
    cells = [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in table]
    header, rows = cells[0], cells[2:]
    return [dict(zip(header, row, strict=True)) for row in rows]


def _first_block(lines: list[str]):
    started = False
    for line in lines:
        if line.startswith("|"):
            started = True
            yield line
        elif started:
            return


def day(value: str) -> date | None:
    """``today-5`` -> TODAY - 5 days; ``-`` -> None."""
    if value == "-":
        return None
    match = re.fullmatch(r"today([+-]\d+)?", value)
    assert match, f"unexpected date {value!r} in docs/demo-data.md"
    return TODAY + timedelta(days=int(match.group(1) or 0))


def listed(value: str) -> list[str]:
    return [] if value == "-" else [part.strip() for part in value.split(",")]


def yes(value: str) -> bool:
    assert value in ("yes", "no")
    return value == "yes"


def order(session: Session, number: str) -> Order:
    return session.execute(select(Order).where(Order.number == number)).scalar_one()


def test_docs_dates_are_relative_to_the_seeding_day(today: date) -> None:
    assert today == TODAY


def test_contract_products(demo_session: Session) -> None:
    rows = doc_table("Contract products")
    assert len(rows) == 10
    for product_id, row in enumerate(rows, start=1):
        product = demo_session.get(Product, product_id)
        assert product.handle == row["Handle"]
        assert product.title == row["Title"]
        assert product.category.path == row["Category"]
        assert product.price == Decimal(row["Price"])
        assert {v.price for v in product.variants} == {Decimal(row["Price"])}
        assert list(product.colors) == listed(row["Colors"])
        assert list(product.sizes) == listed(row["Sizes"])
        assert product.final_sale is yes(row["Final sale"])
        assert {v.stock for v in product.variants} == {int(row["Stock per variant"])}
        assert product.image_url == f"https://picsum.photos/seed/{product.handle}/600/600"


def test_contract_customers(demo_session: Session) -> None:
    for row in doc_table("Contract customers"):
        customer = demo_session.execute(
            select(Customer).where(Customer.email == row["Email"])
        ).scalar_one()
        assert customer.name == row["Name"]
        assert customer.zip_code == row["ZIP"]
        assert sorted(o.number for o in customer.orders) == listed(row["Orders"])
        assert {o.shipping_address for o in customer.orders} == {row["Shipping address"]}
        assert {o.payment_method for o in customer.orders} == {row["Payment method"]}


def test_contract_orders_and_shipments(demo_session: Session) -> None:
    rows = doc_table("Contract orders")
    assert [row["Order"] for row in rows] == CONTRACT_ORDERS
    for row in rows:
        found = order(demo_session, row["Order"])
        assert found.customer.email == row["Customer"]
        assert found.status.value == row["Status"]
        assert found.placed_at.date() == day(row["Placed"])
        assert found.total == Decimal(row["Total"])
        assert found.currency == "USD"
        if row["Carrier"] == "-":
            assert found.shipments == []
            continue
        (shipment,) = found.shipments
        assert shipment.carrier == row["Carrier"]
        assert shipment.tracking_number == row["Tracking"]
        assert shipment.shipped_at.date() == day(row["Shipped"])
        assert shipment.estimated_delivery == day(row["Estimated delivery"])
        delivered = shipment.delivered_at.date() if shipment.delivered_at else None
        assert delivered == day(row["Delivered"])


def test_contract_order_lines(demo_session: Session) -> None:
    expected = defaultdict(list)
    for row in doc_table("Order lines"):
        expected[row["Order"]].append(
            (
                row["Product"],
                None if row["Color"] == "-" else row["Color"],
                None if row["Size"] == "-" else row["Size"],
                int(row["Quantity"]),
                Decimal(row["Unit price"]),
                yes(row["Final sale"]),
            )
        )
    assert sorted(expected) == CONTRACT_ORDERS
    for number, lines in expected.items():
        actual = [
            (
                line.product_title,
                line.variant.color,
                line.variant.size,
                line.quantity,
                line.unit_price,
                line.final_sale,
            )
            for line in order(demo_session, number).lines
        ]
        assert actual == lines, number
        assert all(
            line.variant.product.title == line.product_title
            for line in order(demo_session, number).lines
        )


def test_contract_returns_and_refunds(demo_session: Session) -> None:
    rows = doc_table("Returns and refunds")
    for row in rows:
        found = order(demo_session, row["Order"])
        (request,) = found.returns
        assert request.rma_number == row["RMA"]
        assert request.status.value == row["Return status"]
        assert request.reason == row["Reason"]
        assert request.created_at.date() == day(row["Requested"])
        assert request.refund_amount == Decimal(row["Refund amount"])
        assert [line.order_line for line in request.lines] == found.lines
        (refund,) = found.refunds
        assert refund.return_request is request
        assert refund.amount == Decimal(row["Refund amount"])
        assert refund.method == row["Refund method"] == found.payment_method
        assert refund.status.value == row["Refund status"]
        assert refund.issued_at.date() == day(row["Refund issued"])
    others = [n for n in CONTRACT_ORDERS if n not in {row["Order"] for row in rows}]
    for number in others:
        assert (
            order(demo_session, number).returns == [] and order(demo_session, number).refunds == []
        )


def test_return_window_facts(demo_session: Session) -> None:
    delivered_10003 = order(demo_session, "10003").shipments[0].delivered_at.date()
    delivered_10004 = order(demo_session, "10004").shipments[0].delivered_at.date()
    assert (TODAY - delivered_10003).days < 30 < (TODAY - delivered_10004).days
    regular, final_sale = order(demo_session, "10003").lines
    assert not regular.final_sale and final_sale.final_sale


def test_categories_and_brands_match_the_taxonomy(demo_session: Session) -> None:
    rows = doc_table("Catalog")
    expected_paths = {row["Top-level category"] for row in rows} | {
        f"{row['Top-level category']} > {sub.strip()}"
        for row in rows
        for sub in row["Subcategories"].split(";")
    }
    paths = set(demo_session.execute(select(Category.path)).scalars())
    assert paths == expected_paths and len(paths) == 48
    records = list(iter_product_records(demo_session))
    for row in rows:
        top = row["Top-level category"]
        brands = {r.brand for r in records if r.category.split(" > ")[0] == top}
        assert brands == {brand.strip() for brand in row["Brands"].split(";")}, top
    subcategory_counts = defaultdict(int)
    for record in records:
        subcategory_counts[record.category] += 1
    assert set(subcategory_counts) == expected_paths - {row["Top-level category"] for row in rows}
    assert min(subcategory_counts.values()) >= 50


def test_catalog_values_are_realistic(demo_session: Session) -> None:
    records = list(iter_product_records(demo_session))
    assert len(records) == 2400
    colors = set(
        re.search(r"Colors \(lowercase\): (.*?)\. Apparel", DOC, re.S)
        .group(1)
        .replace("\n", " ")
        .split(", ")
    )
    assert {c for r in records for c in r.colors} <= colors
    shoe_sizes = {f"{n / 2:g}" for n in range(12, 27)}
    for record in records:
        top = record.category.split(" > ")[0]
        assert record.currency == "USD" and record.price > 0 and record.skus
        assert record.rating is None or 3.0 <= record.rating <= 5.0
        assert record.image_url == f"https://picsum.photos/seed/{record.handle}/600/600"
        assert record.description.count(". ") >= 2, record.description
        if record.category == "Apparel > Socks":
            assert set(record.sizes) <= {"S/M", "L/XL"}
        elif top == "Apparel":
            assert set(record.sizes) <= {"XS", "S", "M", "L", "XL", "XXL"}
        elif top == "Shoes":
            assert set(record.sizes) <= shoe_sizes
        elif top in ("Electronics", "Books", "Beauty", "Home & Kitchen", "Toys & Games"):
            assert record.sizes == ()
    running = [r.price for r in records if r.category == "Shoes > Running Shoes"]
    assert 50 <= min(running) and max(running) <= 180
    assert sum(price < 100 for price in running) > len(running) / 2
    assert 0 < sum(r.stock == 0 for r in records) < 240
    assert 0 < sum(r.final_sale for r in records) < 240
    assert len({r.handle for r in records}) == 2400


def test_descriptions_support_semantic_search(demo_session: Session) -> None:
    records = list(iter_product_records(demo_session))
    mugs = [r for r in records if r.title.endswith("Coffee Mug")]
    thermoses = [r for r in records if r.title.endswith("Thermos")]
    running_shoes = [r for r in records if r.title.endswith(" Running Shoe")]
    assert mugs and thermoses and running_shoes
    assert all("coffee" in r.description and "tea" in r.description for r in mugs)
    assert all("hot" in r.description for r in thermoses)
    assert all("run" in r.description.lower() for r in running_shoes)
    generated = records[10:]
    assert all(r.material and r.material in r.description for r in generated)


def test_generated_customers_and_orders_are_consistent(demo_session: Session) -> None:
    generated = (
        demo_session.execute(select(Customer).where(Customer.email.like("%@example.net")))
        .scalars()
        .all()
    )
    assert len(generated) == 50
    assert demo_session.execute(select(func.count()).select_from(Customer)).scalar_one() == 52
    numbers = sorted(
        int(n)
        for n in demo_session.execute(select(Order.number)).scalars()
        if n not in CONTRACT_ORDERS
    )
    assert numbers == list(range(20001, 20001 + len(numbers)))
    assert len(numbers) >= 50
    for found in demo_session.execute(select(Order).where(Order.number >= "20001")).scalars():
        assert found.lines and found.placed_at.date() <= TODAY
        if found.status in (OrderStatus.PROCESSING, OrderStatus.CANCELLED):
            assert found.shipments == []
            continue
        (shipment,) = found.shipments
        assert found.placed_at <= shipment.shipped_at
        if found.status is OrderStatus.SHIPPED:
            assert shipment.delivered_at is None
        else:
            assert (
                shipment.shipped_at < shipment.delivered_at and shipment.delivered_at.date() < TODAY
            )
        if found.status is OrderStatus.RETURNED:
            (request,) = found.returns
            (refund,) = found.refunds
            assert (
                request.created_at > shipment.delivered_at
                and request.rma_number == f"RMA-{found.number}-1"
            )
            assert refund.amount == found.total and refund.method == found.payment_method
            assert refund.issued_at >= request.created_at
    statuses = set(demo_session.execute(select(Order.status)).scalars())
    assert statuses == set(OrderStatus)


def dump(session: Session) -> tuple:
    """Everything seeded, as plain values."""
    products = list(iter_product_records(session))
    orders = [
        (
            o.number,
            o.customer.email,
            o.customer.name,
            o.status,
            o.placed_at,
            o.shipping_address,
            o.payment_method,
            [(line.variant.sku, line.quantity, line.unit_price) for line in o.lines],
            [(s.carrier, s.tracking_number, s.shipped_at, s.delivered_at) for s in o.shipments],
            [(r.rma_number, r.created_at) for r in o.returns],
            [(r.amount, r.issued_at) for r in o.refunds],
        )
        for o in session.execute(select(Order).order_by(Order.number)).scalars()
    ]
    return products, orders


def seeded_dump(engine, seed: int = 7, product_count: int = 300) -> tuple:
    with session_factory(engine)() as session:
        summary = seed_demo_store(
            session, TODAY, seed=seed, product_count=product_count, progress=False
        )
        assert summary.products == product_count
        return dump(session)


def test_seeding_is_deterministic(new_engine) -> None:
    first = seeded_dump(new_engine("a"))
    second = seeded_dump(new_engine("b"))
    assert first == second
    other_seed = seeded_dump(new_engine("c"), seed=8)
    assert other_seed[0][:10] == first[0][:10]  # contract products do not depend on the seed
    assert other_seed[0][10:] != first[0][10:]
    assert [o[:7] for o in other_seed[1][:6]] == [o[:7] for o in first[1][:6]]


def test_seeding_a_non_empty_database_is_refused(session: Session) -> None:
    seed_demo_store(session, TODAY, product_count=20, progress=False)
    with pytest.raises(DemoStoreNotEmpty, match="already holds 20 products and 52 customers"):
        seed_demo_store(session, TODAY, product_count=20, progress=False)
    assert session.execute(select(func.count()).select_from(Product)).scalar_one() == 20


def test_product_count_is_respected(session: Session) -> None:
    with pytest.raises(ValueError, match="at least 10"):
        seed_demo_store(session, TODAY, product_count=5, progress=False)
    summary = seed_demo_store(session, TODAY, product_count=75, progress=False)
    assert summary.products == 75
    assert (
        summary.variants
        == session.execute(select(func.count()).select_from(ProductVariant)).scalar_one()
    )
    assert session.execute(select(func.count()).select_from(ReturnRequest)).scalar_one() >= 1
    assert session.execute(select(func.count()).select_from(Refund)).scalar_one() >= 1
