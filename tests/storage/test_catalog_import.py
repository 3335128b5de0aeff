"""Catalog import: Shopify export CSV, generic CSV and JSON Lines; bad rows; re-import upserts.

``session`` (tests/storage/conftest.py) is an empty, migrated SQLite shop database.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.catalog import CategoryResolver, iter_product_records
from storage.catalog_import import (
    CatalogImportError,
    RowError,
    detect_format,
    html_to_text,
    import_catalog,
)
from storage.schema import Product, ProductVariant

CATALOGS = Path(__file__).resolve().parents[1] / "fixtures" / "catalogs"


def records_by_handle(session: Session) -> dict:
    return {record.handle: record for record in iter_product_records(session)}


def count(session: Session, model: type) -> int:
    return session.execute(select(func.count()).select_from(model)).scalar_one()


def test_shopify_export(session: Session) -> None:
    report = import_catalog(CATALOGS / "shopify_products.csv", session, progress=False)
    assert report.format == "shopify"
    assert report.errors == []
    assert report.rows == 7
    assert len(report.created_ids) == 3 and report.updated_ids == []
    records = records_by_handle(session)

    shoe = records["pacer-trail-blazer-running-shoe"]
    assert shoe.title == "Pacer Trail Blazer Running Shoe"
    assert shoe.brand == "Pacer"
    assert shoe.category == "Shoes > Trail Running"  # the category: tag wins over Type
    assert shoe.material == "mesh"
    assert (
        shoe.description == "A grippy trail running shoe for muddy paths & rocky climbs."
        "\nWaterproof upper\nRock plate"
    )
    assert shoe.skus == ("PAC-TB-BLK-9", "PAC-TB-BLK-10", "PAC-TB-BLU-9")
    assert shoe.colors == ("black", "blue") and shoe.sizes == ("9", "10")
    assert shoe.price == 89.0 and shoe.stock == 14 and shoe.currency == "USD"
    assert shoe.image_url == "https://cdn.example.com/trail-blazer.jpg"
    assert shoe.final_sale is False

    mug = records["hearth-cozy-mug"]
    assert mug.final_sale is True
    assert mug.description == "A big mug for coffee or tea."
    assert mug.category == "Coffee & Tea"
    assert mug.colors == () and mug.sizes == ()  # "Title: Default Title" is not an option

    socks = records["kestrel-wool-socks"]
    assert socks.sizes == ("S/M", "L/XL") and socks.colors == ("gray",)  # "Colour" counts as color
    assert socks.skus == ("KES-SOCK-SM", "KESTREL-WOOL-SOCKS-GRAY-L/XL")  # missing SKU derived


def test_shopify_type_is_matched_to_an_existing_subcategory(session: Session) -> None:
    resolver = CategoryResolver(session)
    resolver.id_for("Home & Kitchen > Coffee & Tea")
    resolver.id_for("Apparel > Socks")
    session.commit()
    import_catalog(
        CATALOGS / "shopify_products.csv", session, default_currency="eur", progress=False
    )
    records = records_by_handle(session)
    assert records["hearth-cozy-mug"].category == "Home & Kitchen > Coffee & Tea"
    assert records["kestrel-wool-socks"].category == "Apparel > Socks"
    assert records["hearth-cozy-mug"].currency == "EUR"


def test_shopify_bad_rows_are_reported_and_the_rest_imported(session: Session) -> None:
    report = import_catalog(CATALOGS / "shopify_bad_rows.csv", session, progress=False)
    assert report.errors == [
        RowError(3, "price 'abc' is not a number"),
        RowError(4, "stock 'lots' is not a whole number"),
        RowError(5, "handle is missing"),
        RowError(6, "title is missing for product 'untitled-cap'; its rows were skipped"),
        RowError(7, "price -3.00 is negative"),
    ]
    assert list(records_by_handle(session)) == ["good-tee"]
    assert records_by_handle(session)["good-tee"].skus == ("GT-M",)
    assert "line 3: price 'abc' is not a number" in report.summary()
    assert "1 products created" in report.summary() and "5 rows skipped" in report.summary()


def test_generic_csv(session: Session) -> None:
    report = import_catalog(CATALOGS / "products.csv", session, progress=False)
    assert report.format == "csv" and report.errors == [] and len(report.created_ids) == 3
    records = records_by_handle(session)
    mat = records["zen-yoga-mat"]
    assert (
        mat.title == "Zenflow Grip Yoga Mat"
        and mat.category == "Sports & Outdoors > Yoga & Fitness"
    )
    assert mat.colors == ("purple", "blue") and mat.price == 37.99 and mat.stock == 12
    assert mat.material == "natural rubber" and mat.final_sale is False
    kettle = records["brew-kettle"]
    assert kettle.currency == "EUR" and kettle.final_sale is True and kettle.price == 34.5
    assert (
        kettle.description
        == 'A stovetop kettle that whistles when the water is ready, "perfect" for tea.'
    )
    assert records["loom-tee"].skus == ("LOOM-TEE-WHITE-M",)


def test_generic_csv_bad_rows(session: Session) -> None:
    report = import_catalog(CATALOGS / "products_bad_rows.csv", session, progress=False)
    assert report.errors == [
        RowError(3, "price 'free' is not a number"),
        RowError(4, "stock '3.5' is not a whole number"),
        RowError(5, "handle is missing"),
        RowError(6, "title is missing for product 'no-title'; its rows were skipped"),
        RowError(7, "SKU 'OK-MUG-1' is already used on line 2"),
        RowError(8, "final_sale 'maybe' is not true/false"),
        RowError(9, "currency 'dollars' is not a 3-letter code such as USD"),
        RowError(10, "row has 15 cells but the header has 14 columns"),
    ]
    records = records_by_handle(session)
    assert list(records) == ["ok-mug"]
    assert records["ok-mug"].skus == ("OK-MUG-1",) and records["ok-mug"].price == 12.0


def test_json_lines(session: Session) -> None:
    report = import_catalog(CATALOGS / "products.jsonl", session, progress=False)
    assert report.format == "jsonl" and report.errors == [] and report.rows == 3
    records = records_by_handle(session)
    earbuds = records["sonique-echo-earbuds"]
    assert earbuds.skus == ("SON-ECHO-BLK", "SON-ECHO-WHT") and earbuds.price == 59.99
    assert (
        earbuds.rating == 4.4
        and earbuds.stock == 14
        and earbuds.category == "Electronics > Headphones"
    )
    bunny = records["tiny-tales-bunny"]
    assert bunny.colors == ("pink", "white") and bunny.stock == 42 and bunny.final_sale is True


def test_json_lines_bad_rows(session: Session) -> None:
    report = import_catalog(CATALOGS / "products_bad_rows.jsonl", session, progress=False)
    reasons = [(error.line, error.reason) for error in report.errors]
    assert reasons[:2] == [
        (1, "variants[1]: price -1 is negative"),
        (1, "variants[2]: stock 'many' is not a whole number"),
    ]
    assert reasons[2][0] == 2 and reasons[2][1].startswith("malformed JSON:")
    assert reasons[3:] == [
        (3, "expected a JSON object, got list"),
        (4, "handle is missing"),
        (5, "title is missing for product 'no-title'; its rows were skipped"),
        (6, "product 'no-price' has no price"),
        (7, "variants must be a list of JSON objects"),
        (8, "price 'NaN' is not a number"),
        (9, "stock 'True' is not a whole number"),
    ]
    records = records_by_handle(session)
    assert list(records) == ["good-lamp"] and records["good-lamp"].skus == ("NW-LAMP-1",)


@pytest.mark.parametrize("name", ["shopify_products.csv", "products.csv", "products.jsonl"])
def test_reimport_updates_instead_of_duplicating(session: Session, name: str) -> None:
    first = import_catalog(CATALOGS / name, session, progress=False)
    products, variants = count(session, Product), count(session, ProductVariant)
    again = import_catalog(CATALOGS / name, session, progress=False)
    assert again.created_ids == [] and again.updated_ids == []
    assert sorted(again.unchanged_ids) == sorted(first.created_ids)
    assert (count(session, Product), count(session, ProductVariant)) == (products, variants)


def test_reimport_with_changes_reports_updated_products(session: Session, tmp_path: Path) -> None:
    first = import_catalog(CATALOGS / "products.csv", session, progress=False)
    changed = tmp_path / "products.csv"
    text = (CATALOGS / "products.csv").read_text(encoding="utf-8")
    changed.write_text(
        text.replace("34.50,EUR", "29.00,EUR") + "loom-tee,LOOM-TEE-BLK-L,,,,,15,,black,L,,9,,\n",
        encoding="utf-8",
    )
    report = import_catalog(changed, session, progress=False)
    kettle_id, tee_id = first.created_ids[1], first.created_ids[2]
    assert report.created_ids == [] and sorted(report.updated_ids) == sorted([kettle_id, tee_id])
    assert report.changed_ids == report.updated_ids
    records = records_by_handle(session)
    assert records["brew-kettle"].price == 29.0
    assert records["loom-tee"].sizes == ("M", "L") and records["loom-tee"].stock == 12
    variant = session.execute(
        select(ProductVariant).where(ProductVariant.sku == "BM-KETTLE")
    ).scalar_one()
    assert variant.price == Decimal("29.00")


def test_format_is_detected_from_header_when_extension_says_nothing(
    session: Session, tmp_path: Path
) -> None:
    export = tmp_path / "export.txt"
    export.write_bytes((CATALOGS / "shopify_products.csv").read_bytes())
    assert detect_format(export, export.read_text(encoding="utf-8")) == "shopify"
    assert import_catalog(export, session, progress=False).format == "shopify"
    lines = tmp_path / "catalog.dat"
    lines.write_bytes((CATALOGS / "products.jsonl").read_bytes())
    assert import_catalog(lines, session, progress=False).format == "jsonl"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"\xff\xfe\x00\x01binary\x00junk", "is not UTF-8 text"),
        (b"name;cost\nmug;3\n", "cannot tell the format"),
    ],
)
def test_unreadable_files_raise_a_clear_error(
    session: Session, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "catalog.csv"
    path.write_bytes(content)
    with pytest.raises(CatalogImportError, match=message):
        import_catalog(path, session, progress=False)


def test_missing_file_and_missing_columns_and_json_array(session: Session, tmp_path: Path) -> None:
    with pytest.raises(CatalogImportError, match="does not exist"):
        import_catalog(tmp_path / "nope.csv", session, progress=False)
    no_price = tmp_path / "no_price.csv"
    no_price.write_text("handle,title,sku\nmug,Mug,M-1\n", encoding="utf-8")
    with pytest.raises(CatalogImportError, match="lacks the column"):
        import_catalog(no_price, session, format="csv", progress=False)
    array = tmp_path / "catalog.json"
    array.write_text('[{"handle": "mug", "title": "Mug", "price": 3}]', encoding="utf-8")
    with pytest.raises(CatalogImportError, match="JSON array"):
        import_catalog(array, session, progress=False)
    garbage = tmp_path / "garbage.jsonl"
    garbage.write_text("not json\nstill not json\n", encoding="utf-8")
    with pytest.raises(CatalogImportError, match="none of the 2 non-empty lines"):
        import_catalog(garbage, session, progress=False)
    assert count(session, Product) == 0


def test_html_to_text() -> None:
    html = (
        "<h2>Care</h2><p>Wash&nbsp;cold.<br>Dry   flat.</p>"
        "<style>p{}</style><p>Caf&eacute; &lt;3</p>"
    )
    assert html_to_text(html) == "Care\nWash cold.\nDry flat.\nCafé <3"
