"""Entity lookup tables generated from the catalog, so brands and categories are recognised.

Rasa's RegexEntityExtractor reads them from a training-data file. They are regenerated
before every training run (``shopdesk train``), so an imported catalog brings its own
brands, colours and categories.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import yaml
from sqlalchemy import distinct, select
from sqlalchemy.orm import Session

from retrieval.query_understanding import plural, singular
from storage.schema import Category, Product, ProductVariant

#: A title word used in this many categories or more is a model name, not a product type.
MODEL_WORD_CATEGORIES = 4
#: A product-type phrase of several words must follow this many different words across titles.
MIN_TYPE_PREDECESSORS = 2
#: Longest product-type phrase, in words.
MAX_TYPE_WORDS = 3
#: Single words left out of the product_category table. Each names a product only together
#: with the word before it in a title ("power bank", "espresso machine", "duvet cover") and
#: means something else in everyday messages ("bank transfer", "am I talking to a machine",
#: "cover letter", "anybody home?"), where a category entity would send the search astray.
#: The multi-word types that contain them stay in the table.
AMBIGUOUS_TYPE_WORDS = frozenset(
    "bank block board case cover frame guide home lock machine maker mount pad press "
    "protector short station stand".split()
)


#: Words after which a title describes the product rather than names its type.
_QUALIFIER = re.compile(r"\s+(?:with|for)\s+", re.IGNORECASE)
#: A title's last word that says how the product is sold ("Set", "3-Pack", "Kit").
_PACK_WORD = re.compile(r"(?:\d+-)?(?:set|pack|kit|bundle)s?")


def product_type_phrases(titles: Iterable[tuple[str, str | None, str]]) -> list[str]:
    """Product types shoppers name ("rain jacket", "yoga pants") from (title, brand, category).

    Titles end with the product type after the brand and a model name ("Voltra Tempo 3 Rain
    Jacket"). No word of a type is a model name (a word found in ``MODEL_WORD_CATEGORIES`` or
    more categories, such as "Tempo" or "Set") or holds a digit. The last word of a title is a
    type ("jacket"); a longer trailing phrase ("rain jacket") is one when it follows at least
    ``MIN_TYPE_PREDECESSORS`` different words. Singular and plural forms are both listed.
    What follows "with" or "for" describes the product, not its type ("Teapot with Infuser"
    is a teapot), and a trailing pack word names how it is sold ("Bike Light Set", "Crew
    Socks 3-Pack"): the phrase before it is a type too ("bike light", "crew socks"), though
    not its last word alone, which often means something else ("light").
    """
    rows: list[tuple[list[str], int]] = []
    word_categories: dict[str, set[str]] = defaultdict(set)
    for title, brand, category in titles:
        if brand and title.lower().startswith(brand.lower()):
            title = title[len(brand) :]
        title = _QUALIFIER.split(title, maxsplit=1)[0]
        words = [w.strip(",.()") for w in title.lower().split() if w.strip(",.()")]
        rows.append((words, 1))
        if len(words) > 2 and _PACK_WORD.fullmatch(words[-1]):
            rows.append((words[:-1], 2))
        for word in words:
            word_categories[word].add(category)
    predecessors: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for words, shortest in rows:
        for size in range(1, min(MAX_TYPE_WORDS, len(words) - 1) + 1):
            suffix = tuple(words[-size:])
            if any(
                any(c.isdigit() for c in w) or len(word_categories[w]) >= MODEL_WORD_CATEGORIES
                for w in suffix
            ):
                break
            if size >= shortest:
                predecessors[suffix].add(words[-size - 1])
    phrases: set[str] = set()
    for suffix, before in predecessors.items():
        wanted = 1 if len(suffix) == 1 else MIN_TYPE_PREDECESSORS
        if len(before) >= wanted and len(suffix[-1]) >= 3:
            head = list(suffix[:-1])
            phrases.add(" ".join(head + [singular(suffix[-1])]))
            phrases.add(" ".join(head + [plural(singular(suffix[-1]))]))
            phrases.add(" ".join(suffix))
    return sorted(phrases)


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
    """Lookup tables for ``brand``, ``color`` and ``product_category`` from the shop database.

    Categories are the category path phrases plus the product types read from titles.
    """
    brands = session.execute(
        select(distinct(Product.brand)).where(Product.brand.isnot(None))
    ).scalars()
    colors = session.execute(
        select(distinct(ProductVariant.color)).where(ProductVariant.color.isnot(None))
    ).scalars()
    paths = session.execute(select(Category.path)).scalars()
    titles = session.execute(
        select(Product.title, Product.brand, Category.path).join(
            Category, Product.category_id == Category.id
        )
    ).all()
    categories = {
        phrase
        for phrase in set(category_phrases(paths)) | set(product_type_phrases(titles))
        if singular(phrase) not in AMBIGUOUS_TYPE_WORDS
    }
    return {
        "brand": longest_first({b.strip() for b in brands if b and b.strip()}),
        "color": longest_first({c.strip().lower() for c in colors if c and c.strip()}),
        "product_category": longest_first(categories),
    }


def longest_first(phrases: Iterable[str]) -> list[str]:
    """Phrases ordered longest first (then alphabetically).

    RegexEntityExtractor joins a table's phrases into one regex alternation, where the first
    alternative that matches wins: "yoga mat" must come before "yoga" to be found whole.
    """
    return sorted(phrases, key=lambda phrase: (-len(phrase), phrase))


class _BlockText(str):
    """A string YAML writes as a ``|`` block, the form Rasa's examples use."""


class _LookupDumper(yaml.SafeDumper):
    """YAML dumper that writes :class:`_BlockText` as block scalars."""


_LookupDumper.add_representer(
    _BlockText,
    lambda dumper, data: dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|"),
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
        + yaml.dump(
            {"version": "3.1", "nlu": nlu},
            Dumper=_LookupDumper,
            sort_keys=False,
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    return path
