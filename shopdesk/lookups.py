"""Entity lookup tables generated from the catalog, so brands and categories are recognised.

Rasa's RegexEntityExtractor reads them from a training-data file. They are regenerated
before every training run (``shopdesk train``), so an imported catalog brings its own
brands, colours and categories.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import yaml
from sqlalchemy import distinct, select
from sqlalchemy.orm import Session

from storage.schema import Category, Product, ProductVariant


def singular(word: str) -> str:
    """A naive English singular ("shoes" -> "shoe", "accessories" -> "accessory")."""
    lowered = word.lower()
    if lowered.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if lowered.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if lowered.endswith("s") and not lowered.endswith(("ss", "us")):
        return word[:-1]
    return word


def category_phrases(paths: Iterable[str]) -> list[str]:
    """Words shoppers use for categories: each path segment, its "&" parts and their singulars."""
    phrases: set[str] = set()
    for path in paths:
        for segment in (s.strip() for s in path.split(">")):
            if not segment:
                continue
            parts = [segment] + [p.strip() for p in segment.split("&") if "&" in segment]
            for part in parts:
                if len(part) < 3:
                    continue
                phrases.add(part.lower())
                if "&" in part:
                    continue
                last = part.split()[-1]
                phrases.add(" ".join(part.split()[:-1] + [singular(last)]).lower())
    return sorted(phrases)


def catalog_lookup_tables(session: Session) -> dict[str, list[str]]:
    """Lookup tables for ``brand``, ``color`` and ``product_category`` from the shop database."""
    brands = session.execute(select(distinct(Product.brand)).where(Product.brand.isnot(None))).scalars()
    colors = session.execute(select(distinct(ProductVariant.color)).where(ProductVariant.color.isnot(None))).scalars()
    paths = session.execute(select(Category.path)).scalars()
    return {
        "brand": sorted({b.strip() for b in brands if b and b.strip()}),
        "color": sorted({c.strip().lower() for c in colors if c and c.strip()}),
        "product_category": category_phrases(paths),
    }


class _BlockText(str):
    """A string YAML writes as a ``|`` block, the form Rasa's examples use."""


class _LookupDumper(yaml.SafeDumper):
    """YAML dumper that writes :class:`_BlockText` as block scalars."""


_LookupDumper.add_representer(
    _BlockText, lambda dumper, data: dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
)


def write_lookup_file(tables: dict[str, list[str]], path: Path) -> Path:
    """Write the lookup tables as a Rasa NLU training-data file."""
    nlu = [
        {"lookup": name, "examples": _BlockText("".join(f"- {value}\n" for value in values))}
        for name, values in tables.items()
        if values
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "# Generated from the catalog by `shopdesk train`; do not edit.\n"
        + yaml.dump({"version": "3.1", "nlu": nlu}, Dumper=_LookupDumper, sort_keys=False, allow_unicode=True),
        encoding="utf-8",
    )
    return path
