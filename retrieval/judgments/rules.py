"""Relevance grades by rule: a query's intent, written down as product attributes, graded
against a catalog.

Each query of ``query_rules.csv`` names what a shopper asking it wants:

* ``title``: one exact product name (exact-name queries);
* ``best`` / ``good`` / ``related``: kinds of product, each a product type that a title
  ends with ("Running Shoe" matches "Kestrel Meridian Stability Running Shoe" and
  "… Trail Running Shoe") or ``cat:`` and part of a category path ("cat:Beauty > Skincare");
* ``brand``, ``color``, ``material``, ``price_min``, ``price_max``: stated attributes.

Grades (see ``demo/README.md`` for the reasoning):

* exact-name queries: 3 for a product with that title, 2 for the same brand and type, 1 for
  the same type from another brand;
* otherwise a product of a ``best`` kind gets 3, of a ``good`` kind 2, of a ``related`` kind
  1, when it has every stated attribute; a ``best`` product missing a stated attribute
  (wrong color, brand, material or price) gets 1, the others 0.

Run ``python -m retrieval.judgments.rules PRODUCTS.csv`` to regenerate ``queries.csv`` and
``qrels.csv`` next to ``query_rules.csv`` (export the demo products first with
``shopdesk bench search --export-demo PRODUCTS.csv``).
"""

from __future__ import annotations

import argparse
import csv
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from retrieval.evaluation import read_product_rows, write_csv

DEMO_DIRECTORY = Path(__file__).resolve().parent / "demo"
RULES_FILE = "query_rules.csv"
_CATEGORY = "cat:"


@dataclass(frozen=True)
class JudgedProduct:
    """The attributes rules look at."""

    product_id: str
    title: str
    brand: str
    category: str
    colors: tuple[str, ...]
    material: str
    price: float


@dataclass(frozen=True)
class QueryRule:
    """A query and the product attributes that make a product relevant to it."""

    query_id: str
    query: str
    kind: str
    split: str
    best: tuple[str, ...] = ()
    good: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    brand: str = ""
    color: str = ""
    material: str = ""
    price_min: float | None = None
    price_max: float | None = None
    title: str = ""


def _kinds(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(";") if part.strip())


def _number(text: str) -> float | None:
    return float(text) if text.strip() else None


def read_rules(path: str | Path) -> list[QueryRule]:
    """Rules of ``query_rules.csv``; the split is ``tune`` for odd query numbers, else ``test``."""
    with Path(path).open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [
        QueryRule(
            query_id=row["query_id"],
            query=row["query"],
            kind=row["kind"],
            split="tune" if int(row["query_id"].lstrip("q")) % 2 else "test",
            best=_kinds(row["best"]),
            good=_kinds(row["good"]),
            related=_kinds(row["related"]),
            brand=row["brand"].strip(),
            color=row["color"].strip(),
            material=row["material"].strip(),
            price_min=_number(row["price_min"]),
            price_max=_number(row["price_max"]),
            title=row["title"].strip(),
        )
        for row in rows
    ]


def is_kind(product: JudgedProduct, kinds: Iterable[str]) -> bool:
    """True when the product is of one of ``kinds``.

    That is, its title ends with one of the types or its category contains one of the paths.
    """
    title, category = product.title.casefold(), product.category.casefold()
    for kind in kinds:
        wanted = kind.casefold()
        if wanted.startswith(_CATEGORY):
            if wanted[len(_CATEGORY) :].strip() in category:
                return True
        elif title.endswith(wanted):
            return True
    return False


def has_attributes(rule: QueryRule, product: JudgedProduct) -> bool:
    """True when the product has every attribute the query states."""
    if rule.brand and product.brand.casefold() != rule.brand.casefold():
        return False
    if rule.color and rule.color.casefold() not in (c.casefold() for c in product.colors):
        return False
    if rule.material and rule.material.casefold() not in product.material.casefold():
        return False
    if rule.price_min is not None and product.price < rule.price_min:
        return False
    return rule.price_max is None or product.price <= rule.price_max


def grade(rule: QueryRule, product: JudgedProduct) -> int:
    """The relevance grade (0-3) of ``product`` for ``rule``."""
    if rule.title:
        if product.title.casefold() == rule.title.casefold():
            return 3
        if is_kind(product, rule.best):
            same_brand = product.brand.casefold() == rule.brand.casefold()
            return 2 if same_brand else 1
        return 0
    complete = has_attributes(rule, product)
    if is_kind(product, rule.best):
        return 3 if complete else 1
    if complete and is_kind(product, rule.good):
        return 2
    if complete and is_kind(product, rule.related):
        return 1
    return 0


def products_from_rows(rows: Sequence[Mapping[str, str]]) -> list[JudgedProduct]:
    """Products CSV rows (with the demo export's attribute columns) as :class:`JudgedProduct`."""
    return [
        JudgedProduct(
            product_id=row["product_id"],
            title=row["title"],
            brand=row.get("brand") or "",
            category=row.get("category") or "",
            colors=tuple(c for c in (row.get("colors") or "").split("|") if c),
            material=row.get("material") or "",
            price=float(row.get("price") or 0.0),
        )
        for row in rows
    ]


def judge(
    rules: Sequence[QueryRule], products: Sequence[JudgedProduct]
) -> dict[str, dict[str, int]]:
    """Grades > 0 of every product for every rule."""
    judged: dict[str, dict[str, int]] = {}
    for rule in rules:
        judged[rule.query_id] = {p.product_id: g for p in products if (g := grade(rule, p)) > 0}
    unmatched = [
        f"{r.query_id} ({r.query!r})" for r in rules if 3 not in judged[r.query_id].values()
    ]
    if unmatched:
        raise ValueError(
            f"No product of grade 3 in this catalog for: {', '.join(unmatched)}; "
            "fix their rules in query_rules.csv."
        )
    return judged


def write_judged_set(
    rules: Sequence[QueryRule], products: Sequence[JudgedProduct], directory: Path
) -> None:
    """Write ``queries.csv`` (query_id,query,kind,split) and ``qrels.csv`` into ``directory``."""
    judged = judge(rules, products)
    write_csv(
        directory / "queries.csv",
        ("query_id", "query", "kind", "split"),
        ((r.query_id, r.query, r.kind, r.split) for r in rules),
    )
    write_csv(
        directory / "qrels.csv",
        ("query_id", "product_id", "relevance"),
        (
            (rule.query_id, pid, value)
            for rule in rules
            for pid, value in sorted(judged[rule.query_id].items(), key=lambda item: int(item[0]))
        ),
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Regenerate the demo set's queries.csv and qrels.csv from its rules and a products CSV."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("products", help="products CSV exported from the demo store")
    parser.add_argument(
        "--directory", default=str(DEMO_DIRECTORY), help="folder of query_rules.csv"
    )
    args = parser.parse_args(argv)
    directory = Path(args.directory)
    rules = read_rules(directory / RULES_FILE)
    write_judged_set(rules, products_from_rows(read_product_rows(args.products)), directory)
    print(f"Wrote {len(rules)} queries and their judgments to {directory}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
