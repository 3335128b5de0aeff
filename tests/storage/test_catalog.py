"""Catalog writes (upsert by handle and SKU) and reads (ProductRecord streaming without N+1)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import event, func, select

from storage.catalog import (
    ProductData,
    ProductRecord,
    VariantData,
    iter_product_records,
    upsert_products,
)
from storage.schema import Category, Product, ProductVariant

CREATED = datetime(2025, 1, 1, 8, 0)
LATER = datetime(2025, 2, 1, 8, 0)


def shoe(
    handle: str = "tempo-shoe", price: str = "89.99", title: str = "Tempo Shoe"
) -> ProductData:
    return ProductData(
        handle=handle,
        title=title,
        brand="Stridewell",
        category="Shoes > Running Shoes",
        description="A running shoe.",
        material="mesh",
        rating=4.5,
        image_url="https://example.com/shoe.jpg",
        variants=(
            VariantData(f"{handle}-nav-9", Decimal(price), "navy", "9", 5),
            VariantData(f"{handle}-nav-10", Decimal("94.99"), "navy", "10", 0),
            VariantData(f"{handle}-red-9", Decimal(price), "red", "9", 2),
        ),
    )


def test_upsert_creates_products_variants_and_category_tree(session) -> None:
    result = upsert_products(session, [shoe(), shoe("other-shoe")], now=CREATED)
    session.commit()
    assert len(result.created_ids) == 2 and not result.updated_ids
    assert session.execute(select(func.count()).select_from(ProductVariant)).scalar_one() == 6
    paths = session.execute(select(Category.path).order_by(Category.path)).scalars().all()
    assert paths == ["Shoes", "Shoes > Running Shoes"]
    child = session.execute(
        select(Category).where(Category.path == "Shoes > Running Shoes")
    ).scalar_one()
    assert child.parent.path == "Shoes" and child.name == "Running Shoes"


def test_record_carries_what_search_needs(session) -> None:
    (product_id,) = upsert_products(session, [shoe()], now=CREATED).created_ids
    session.commit()
    (record,) = iter_product_records(session)
    assert record == ProductRecord(
        product_id=product_id,
        handle="tempo-shoe",
        title="Tempo Shoe",
        brand="Stridewell",
        category="Shoes > Running Shoes",
        description="A running shoe.",
        price=89.99,
        currency="USD",
        colors=("navy", "red"),
        sizes=("9", "10"),
        material="mesh",
        rating=4.5,
        stock=7,
        skus=("tempo-shoe-nav-9", "tempo-shoe-nav-10", "tempo-shoe-red-9"),
        image_url="https://example.com/shoe.jpg",
        final_sale=False,
        updated_at=CREATED,
    )
    assert record.in_stock


def test_second_upsert_updates_in_place_and_reports_unchanged(session) -> None:
    first = upsert_products(session, [shoe(), shoe("other-shoe")], now=CREATED)
    again = upsert_products(session, [shoe(), shoe("other-shoe")], now=LATER)
    assert (
        again.unchanged_ids == first.created_ids and not again.updated_ids and not again.created_ids
    )

    changed = upsert_products(
        session, [shoe(price="79.99", title="Tempo Shoe 2"), shoe("other-shoe")], now=LATER
    )
    session.commit()
    assert changed.updated_ids == [first.created_ids[0]]
    assert changed.unchanged_ids == [first.created_ids[1]]
    records = {r.handle: r for r in iter_product_records(session)}
    assert records["tempo-shoe"].title == "Tempo Shoe 2"
    assert records["tempo-shoe"].price == 79.99
    assert records["tempo-shoe"].updated_at == LATER
    assert records["other-shoe"].updated_at == CREATED
    assert session.execute(select(func.count()).select_from(Product)).scalar_one() == 2
    assert session.execute(select(func.count()).select_from(ProductVariant)).scalar_one() == 6


def test_missing_optional_values_keep_stored_ones(session) -> None:
    upsert_products(session, [shoe()], now=CREATED)
    upsert_products(
        session,
        [
            ProductData(
                handle="tempo-shoe",
                title="Tempo Shoe",
                variants=(VariantData("tempo-shoe-nav-9", Decimal("89.99")),),
            )
        ],
        now=LATER,
    )
    session.commit()
    (record,) = iter_product_records(session)
    assert (
        record.brand == "Stridewell"
        and record.material == "mesh"
        and record.category == "Shoes > Running Shoes"
    )
    assert record.stock == 7  # stock=None keeps the stored stock
    assert record.colors == ("navy", "red")  # variants not listed are kept


def test_sku_moves_to_the_product_that_now_lists_it(session) -> None:
    first_id, second_id = upsert_products(
        session, [shoe(), shoe("other-shoe")], now=CREATED
    ).created_ids
    moved = ProductData(
        handle="other-shoe",
        title="Tempo Shoe",
        variants=(VariantData("tempo-shoe-red-9", Decimal("50")),),
    )
    result = upsert_products(session, [moved], now=LATER)
    session.commit()
    assert set(result.updated_ids) == {first_id, second_id}
    records = {r.handle: r for r in iter_product_records(session)}
    assert "tempo-shoe-red-9" in records["other-shoe"].skus
    assert "tempo-shoe-red-9" not in records["tempo-shoe"].skus


def test_records_for_selected_ids_and_unknown_ids(session) -> None:
    ids = upsert_products(session, [shoe(f"shoe-{n}") for n in range(5)], now=CREATED).created_ids
    session.commit()
    wanted = [ids[3], ids[1], 999_999]
    assert [r.product_id for r in iter_product_records(session, wanted)] == sorted(
        ids[i] for i in (1, 3)
    )


def test_loading_records_needs_a_fixed_number_of_queries_per_batch(session, engine) -> None:
    upsert_products(session, [shoe(f"shoe-{n}") for n in range(120)], now=CREATED)
    session.commit()
    statements: list[str] = []

    def record_statement(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record_statement)
    try:
        records = list(iter_product_records(session, batch_size=50))
    finally:
        event.remove(engine, "before_cursor_execute", record_statement)
    assert len(records) == 120
    assert sum(len(r.skus) for r in records) == 360
    # 3 batches of products (50, 50, 20), each with one variant query: no query per product.
    assert len(statements) == 6
