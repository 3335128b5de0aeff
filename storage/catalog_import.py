"""Import a catalog file (Shopify export CSV, generic CSV or JSON Lines) into the shop database.

Products are matched by ``handle`` and variants by ``sku``, so importing the same file
again updates rows instead of duplicating them. Bad rows are reported with their line
number and skipped; the rest of the file is imported. The search index is not touched:
callers refresh it with :attr:`ImportReport.changed_ids`.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session
from tqdm import tqdm

from storage.catalog import (
    CategoryResolver,
    ProductData,
    UpsertResult,
    VariantData,
    upsert_products,
)
from storage.errors import ShopdeskError
from storage.schema import CATEGORY_SEPARATOR

FORMATS = ("shopify", "csv", "jsonl")
JSONL_EXTENSIONS = (".jsonl", ".ndjson", ".json")
SHOPIFY_REQUIRED = ("Handle", "Title", "Variant Price")
GENERIC_REQUIRED = ("handle", "title", "price")
GENERIC_COLUMNS = (
    "handle", "sku", "title", "description", "brand", "category", "price", "currency",
    "color", "size", "material", "stock", "image_url", "final_sale", "rating",
)  # fmt: skip
PRODUCT_FIELDS = (
    "title", "description", "brand", "category", "currency", "material", "image_url",
    "final_sale", "rating",
)  # fmt: skip
VARIANT_FIELDS = ("sku", "price", "color", "size", "stock")
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}
_UPSERT_BATCH = 1000
_MAX_ERRORS_IN_SUMMARY = 20


class CatalogImportError(ShopdeskError):
    """The catalog file as a whole cannot be imported (missing, unreadable, unknown format)."""


class _RowProblem(ValueError):
    """One value of a row is invalid; the message is the reason shown to the user."""


@dataclass(frozen=True)
class RowError:
    """A skipped row: its line number in the file (1-based) and why it was skipped."""

    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass
class ImportReport:
    """Outcome of :func:`import_catalog`."""

    path: Path
    format: str
    rows: int = 0
    created_ids: list[int] = field(default_factory=list)
    updated_ids: list[int] = field(default_factory=list)
    unchanged_ids: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def changed_ids(self) -> list[int]:
        """Ids of products created or updated: the ones the search index must refresh."""
        return self.created_ids + self.updated_ids

    @property
    def ok(self) -> bool:
        """True when every row was imported."""
        return not self.errors

    def summary(self) -> str:
        """A few human-readable lines: counts, then the first skipped rows and their reasons."""
        lines = [
            f"Imported {self.path.name} ({self.format}, {self.rows} rows): "
            f"{len(self.created_ids)} products created, {len(self.updated_ids)} updated, "
            f"{len(self.unchanged_ids)} unchanged, {len(self.errors)} rows skipped."
        ]
        lines += [f"  {error}" for error in self.errors[:_MAX_ERRORS_IN_SUMMARY]]
        if len(self.errors) > _MAX_ERRORS_IN_SUMMARY:
            lines.append(f"  ... and {len(self.errors) - _MAX_ERRORS_IN_SUMMARY} more")
        return "\n".join(lines)


class _TextExtractor(HTMLParser):
    """Collects the text of an HTML fragment, one block element per line."""

    _BLOCKS = {
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "tr",
        "table",
        "section",
    }
    _HIDDEN = {"script", "style"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self._HIDDEN:
            self._hidden += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment: tags dropped, entities decoded, one line per paragraph."""
    # The standard library parser is enough for product descriptions and tolerates broken markup.
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    lines = (" ".join(line.split()) for line in "".join(extractor.parts).split("\n"))
    return "\n".join(line for line in lines if line)


# --- value parsing -------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _price(value: Any) -> Decimal:
    text = _text(value)
    if text is None:
        raise _RowProblem("price is missing")
    if isinstance(value, bool):
        raise _RowProblem(f"price {value!r} is not a number")
    try:
        price = Decimal(text)
    except InvalidOperation:
        raise _RowProblem(f"price {text!r} is not a number") from None
    if not price.is_finite():
        raise _RowProblem(f"price {text!r} is not a number")
    if price < 0:
        raise _RowProblem(f"price {text} is negative")
    return price


def _stock(value: Any) -> int | None:
    text = _text(value)
    if text is None:
        return None
    if isinstance(value, bool) or not re.fullmatch(r"[+-]?\d+", text):
        raise _RowProblem(f"stock {text!r} is not a whole number")
    stock = int(text)
    if stock < 0:
        raise _RowProblem(f"stock {stock} is negative")
    return stock


def _flag(value: Any, name: str) -> bool | None:
    if isinstance(value, bool):
        return value
    text = _text(value)
    if text is None:
        return None
    if text.lower() in _TRUE:
        return True
    if text.lower() in _FALSE:
        return False
    raise _RowProblem(f"{name} {text!r} is not true/false")


def _rating(value: Any) -> float | None:
    text = _text(value)
    if text is None:
        return None
    try:
        rating = float(text)
    except ValueError:
        raise _RowProblem(f"rating {text!r} is not a number") from None
    if not 0 <= rating <= 5:
        raise _RowProblem(f"rating {text} is outside 0-5")
    return rating


def _currency(value: Any) -> str | None:
    text = _text(value)
    if text is None:
        return None
    if not re.fullmatch(r"[A-Za-z]{3}", text):
        raise _RowProblem(f"currency {text!r} is not a 3-letter code such as USD")
    return text.upper()


def _product_fields(raw: dict[str, Any]) -> dict[str, Any]:
    """Validated product-level values of a row; empty values are left out."""
    parsed: dict[str, Any] = {
        "title": _text(raw.get("title")),
        "description": _text(raw.get("description")),
        "brand": _text(raw.get("brand")),
        "category": _text(raw.get("category")),
        "currency": _currency(raw.get("currency")),
        "material": _text(raw.get("material")),
        "image_url": _text(raw.get("image_url")),
        "final_sale": _flag(raw.get("final_sale"), "final_sale"),
        "rating": _rating(raw.get("rating")),
    }
    return {name: value for name, value in parsed.items() if value is not None}


def _variant(raw: dict[str, Any], handle: str) -> VariantData:
    """A validated variant; a missing SKU is derived as ``HANDLE-COLOR-SIZE``."""
    price = _price(raw.get("price"))
    stock = _stock(raw.get("stock"))
    color = _text(raw.get("color"))
    color = color.lower() if color else None
    size = _text(raw.get("size"))
    sku = _text(raw.get("sku")) or derived_sku(handle, color, size)
    return VariantData(sku=sku, price=price, color=color, size=size, stock=stock)


def derived_sku(handle: str, color: str | None, size: str | None) -> str:
    """SKU used for a variant without one: ``HANDLE-COLOR-SIZE`` in capitals, spaces as dashes."""
    parts = [part for part in (handle, color, size) if part]
    return re.sub(r"\s+", "-", "-".join(parts)).upper()


# --- collecting rows into products ---------------------------------------------------------


@dataclass
class _Draft:
    handle: str
    line: int
    fields: dict[str, Any] = field(default_factory=dict)
    variants: list[VariantData] = field(default_factory=list)
    rejected_variants: int = 0


class _CatalogBuilder:
    """Collects rows into products by handle, recording a :class:`RowError` for each bad row."""

    def __init__(self) -> None:
        self.drafts: dict[str, _Draft] = {}
        self.errors: list[RowError] = []
        self._sku_lines: dict[str, int] = {}

    def error(self, line: int, reason: str) -> None:
        self.errors.append(RowError(line, reason))

    def add(
        self,
        line: int,
        handle: Any,
        product: dict[str, Any],
        variants: list[dict[str, Any]],
        label: str = "",
    ) -> None:
        """Add one row: product-level values, then its variants (``label`` names them in errors)."""
        handle = _text(handle)
        if handle is None:
            self.error(line, "handle is missing")
            return
        try:
            fields = _product_fields(product)
        except _RowProblem as problem:
            self.error(line, str(problem))
            return
        draft = self.drafts.setdefault(handle, _Draft(handle, line))
        for name, value in fields.items():
            draft.fields.setdefault(name, value)
        for index, raw in enumerate(variants):
            where = f"{label}[{index}]: " if label else ""
            try:
                variant = _variant(raw, handle)
            except _RowProblem as problem:
                draft.rejected_variants += 1
                self.error(line, f"{where}{problem}")
                continue
            if variant.sku in self._sku_lines:
                draft.rejected_variants += 1
                self.error(
                    line,
                    f"{where}SKU {variant.sku!r} is already used on line "
                    f"{self._sku_lines[variant.sku]}",
                )
                continue
            self._sku_lines[variant.sku] = line
            draft.variants.append(variant)

    def products(self, default_currency: str, category_paths: list[str]) -> list[ProductData]:
        """The complete products; products without title or variants become errors."""
        categories = _CategoryNames(category_paths)
        products = []
        for draft in self.drafts.values():
            fields = dict(draft.fields)
            if "title" not in fields:
                self.error(
                    draft.line,
                    f"title is missing for product {draft.handle!r}; its rows were skipped",
                )
                continue
            if not draft.variants:
                if not draft.rejected_variants:
                    self.error(draft.line, f"product {draft.handle!r} has no price")
                continue
            fields.setdefault("currency", default_currency)
            if "category" in fields:
                fields["category"] = categories.resolve(fields["category"])
            products.append(
                ProductData(handle=draft.handle, variants=tuple(draft.variants), **fields)
            )
        self.errors.sort(key=lambda error: error.line)
        return products


class _CategoryNames:
    """Resolves a bare category name ("Running Shoes") to the one known path ending in it."""

    def __init__(self, paths: list[str]) -> None:
        self._by_leaf: dict[str, list[str]] = {}
        for path in paths:
            self._by_leaf.setdefault(path.rsplit(CATEGORY_SEPARATOR, 1)[-1].lower(), []).append(
                path
            )

    def resolve(self, value: str) -> str:
        if ">" in value:
            return value
        matches = self._by_leaf.get(value.strip().lower(), [])
        return matches[0] if len(matches) == 1 else value


# --- readers -------------------------------------------------------------------------------


def _csv_rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """Yield (first line number, cells) for each non-empty CSV record, header included."""
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                yield start, cells
            start = reader.line_num + 1
    except csv.Error as exc:
        raise CatalogImportError(f"CSV is malformed near line {reader.line_num}: {exc}") from exc


def _records(rows: Iterator[tuple[int, list[str]]], header: list[str], builder: _CatalogBuilder):
    """Yield (line, {column: cell}) for data rows; rows with extra cells become errors."""
    for line, cells in rows:
        if len(cells) > len(header):
            builder.error(
                line, f"row has {len(cells)} cells but the header has {len(header)} columns"
            )
            continue
        padded = cells + [""] * (len(header) - len(cells))
        yield line, dict(zip(header, padded, strict=True))


def _require_columns(header: list[str], required: tuple[str, ...], format_name: str) -> None:
    missing = [column for column in required if column not in header]
    if missing:
        raise CatalogImportError(
            f"the {format_name} header lacks the column(s) {', '.join(missing)}; "
            f"found: {', '.join(header) or 'nothing'}. "
            "See docs/catalog-import.md for the expected columns."
        )


def _read_generic_csv(text: str, builder: _CatalogBuilder) -> int:
    rows = _csv_rows(text)
    header = [cell.strip().lower() for cell in next(rows, (1, []))[1]]
    _require_columns(header, GENERIC_REQUIRED, "CSV")
    count = 0
    for line, record in _records(rows, header, builder):
        count += 1
        builder.add(line, record.get("handle"), record, [record])
    return count


def _shopify_options(record: dict[str, str], names: dict[int, str]) -> dict[str, str]:
    """Map a row's Option values to ``color``/``size`` using the product's option names."""
    values = {}
    for number, name in names.items():
        value = record.get(f"Option{number} Value", "")
        if name in ("color", "colour"):
            values["color"] = value
        elif name == "size":
            values["size"] = value
    return values


def _shopify_product(record: dict[str, str]) -> dict[str, Any]:
    tags = [tag.strip() for tag in record.get("Tags", "").split(",") if tag.strip()]
    tagged = {
        tag.split(":", 1)[0].strip().lower(): tag.split(":", 1)[1].strip()
        for tag in reversed(tags)
        if ":" in tag
    }
    return {
        "title": record.get("Title"),
        "description": html_to_text(record.get("Body (HTML)", "")),
        "brand": record.get("Vendor"),
        "category": tagged.get("category") or record.get("Type"),
        "material": tagged.get("material"),
        "image_url": record.get("Image Src"),
        "final_sale": any(tag.lower() == "final-sale" for tag in tags),
    }


def _read_shopify_csv(text: str, builder: _CatalogBuilder) -> int:
    rows = _csv_rows(text)
    header = [cell.strip() for cell in next(rows, (1, []))[1]]
    _require_columns(header, SHOPIFY_REQUIRED, "Shopify export")
    option_names: dict[str, dict[int, str]] = {}
    count = 0
    for line, record in _records(rows, header, builder):
        count += 1
        handle = record.get("Handle", "").strip()
        first_row = handle not in option_names
        if first_row and handle:
            option_names[handle] = {
                number: record.get(f"Option{number} Name", "").strip().lower()
                for number in (1, 2, 3)
            }
        variant_cells = ("Variant SKU", "Variant Price", "Option1 Value", "Variant Inventory Qty")
        has_variant = any(record.get(column, "").strip() for column in variant_cells)
        variants = []
        if has_variant:
            variants.append(
                {
                    "sku": record.get("Variant SKU"),
                    "price": record.get("Variant Price"),
                    "stock": record.get("Variant Inventory Qty"),
                    **_shopify_options(record, option_names.get(handle, {})),
                }
            )
        product = _shopify_product(record) if first_row else {"image_url": record.get("Image Src")}
        builder.add(line, handle, product, variants)
    return count


def _read_jsonl(text: str, builder: _CatalogBuilder) -> int:
    if text.lstrip().startswith("["):
        raise CatalogImportError(
            "the file holds a JSON array; the importer reads JSON Lines: "
            "one product or variant object per line"
        )
    count = parsed = 0
    # Split on "\n" only: str.splitlines() would also break inside strings holding U+2028.
    for line, raw_line in enumerate(text.split("\n"), start=1):
        if not raw_line.strip():
            continue
        count += 1
        try:
            obj = json.loads(raw_line)
        except json.JSONDecodeError as exc:
            builder.error(line, f"malformed JSON: {exc.msg} at column {exc.colno}")
            continue
        if not isinstance(obj, dict):
            builder.error(line, f"expected a JSON object, got {type(obj).__name__}")
            continue
        parsed += 1
        variants = obj.get("variants")
        if variants is None:
            builder.add(line, obj.get("handle"), obj, [obj])
        elif isinstance(variants, list) and all(isinstance(variant, dict) for variant in variants):
            builder.add(line, obj.get("handle"), obj, variants, label="variants")
        else:
            builder.error(line, "variants must be a list of JSON objects")
    if count and not parsed:
        raise CatalogImportError(
            f"none of the {count} non-empty lines is a JSON object; "
            "a JSON Lines file has one object per line"
        )
    return count


_READERS = {"shopify": _read_shopify_csv, "csv": _read_generic_csv, "jsonl": _read_jsonl}


def _read_text(path: Path) -> str:
    if not path.is_file():
        raise CatalogImportError(f"catalog file {path} does not exist or is not a file")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CatalogImportError(
            f"{path} is not UTF-8 text (undecodable byte at position {exc.start}); "
            "export or save the catalog as UTF-8 CSV or JSON Lines"
        ) from exc
    if not text.strip():
        raise CatalogImportError(f"{path} is empty")
    return text


def detect_format(path: Path, text: str) -> str:
    """``"shopify"``, ``"csv"`` or ``"jsonl"``, from the file extension and the header line."""
    if path.suffix.lower() in JSONL_EXTENSIONS:
        return "jsonl"
    first_line = text.lstrip().split("\n", 1)[0]
    if first_line.startswith("{"):
        return "jsonl"
    header = {cell.strip() for cell in next(csv.reader([first_line]), [])}
    if {"Handle", "Variant Price"} <= header or "Body (HTML)" in header:
        return "shopify"
    if {"handle", "price"} <= {cell.lower() for cell in header}:
        return "csv"
    raise CatalogImportError(
        f"cannot tell the format of {path.name}: the first line is {first_line[:120]!r}. "
        "Expected a Shopify product export (Handle, Title, Variant Price, ...), "
        "a CSV with columns handle, title, price, ... or JSON Lines (.jsonl); "
        "pass format= to choose one."
    )


def import_catalog(
    path: str | Path,
    session: Session,
    *,
    format: str = "auto",  # noqa: A002 - the public name of the option
    default_currency: str = "USD",
    progress: bool = True,
) -> ImportReport:
    """Import the catalog at ``path`` into the database and commit.

    ``format`` is ``"auto"`` (from extension and header), ``"shopify"``, ``"csv"`` or
    ``"jsonl"``. Raises :class:`CatalogImportError` when the file as a whole cannot be
    read; bad rows are listed in :attr:`ImportReport.errors` and skipped.
    """
    path = Path(path)
    text = _read_text(path)
    if format == "auto":
        format = detect_format(path, text)
    if format not in _READERS:
        raise CatalogImportError(
            f"unknown catalog format {format!r}; choose one of auto, {', '.join(FORMATS)}"
        )
    builder = _CatalogBuilder()
    report = ImportReport(path=path, format=format)
    report.rows = _READERS[format](text, builder)
    categories = CategoryResolver(session)
    products = builder.products(default_currency.upper(), categories.paths)
    report.errors = builder.errors

    result = UpsertResult()
    with tqdm(
        total=len(products), desc=f"Importing {path.name}", unit="product", disable=not progress
    ) as bar:
        for start in range(0, len(products), _UPSERT_BATCH):
            batch = products[start : start + _UPSERT_BATCH]
            result.merge(upsert_products(session, batch, categories=categories))
            bar.update(len(batch))
    session.commit()
    result = result.deduplicated()
    report.created_ids, report.updated_ids, report.unchanged_ids = (
        result.created_ids,
        result.updated_ids,
        result.unchanged_ids,
    )
    return report
