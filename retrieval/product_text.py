"""How a product is turned into text: one text for the embedding model, one for BM25.

The embedding text reads like a short sentence about the product, because that is what
all-MiniLM-L6-v2 was trained on. The BM25 text is a bag of words in which the fields that
name the product (title, brand, category) are repeated so they weigh more than words from
the description, and SKUs are added in a compact form so an exact SKU is one rare token.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import bm25s
from bm25s.stopwords import STOPWORDS_EN_PLUS

if TYPE_CHECKING:
    from storage.catalog import ProductRecord

#: Sentences of the description that go into the embedding text; the rest is mostly care
#: instructions and small print that blur the product's meaning.
DESCRIPTION_SENTENCES = 2
#: How often each field is repeated in the BM25 text (BM25 has no fields, so repetition is
#: the usual way to weigh the title above the description).
TITLE_WEIGHT = 3
BRAND_WEIGHT = 2
CATEGORY_WEIGHT = 2

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_SKU_SEPARATORS = re.compile(r"[-_/.\s]+")
# A query word that looks like a SKU: letters/digits joined by separators, with a digit.
_SKU_LIKE = re.compile(r"(?<![\w-])(?=[\w-]*\d)[A-Za-z0-9]+(?:[-_/.][A-Za-z0-9]+)+(?![\w-])")
_WORD = re.compile(r"[a-z0-9]+")
#: bm25s's longer English list (NLTK's), because shoppers write whole sentences ("do you
#: have ..."); "down" is kept because it is a material ("down jacket").
STOPWORDS = tuple(word for word in STOPWORDS_EN_PLUS if word != "down")


def stem_word(word: str) -> str:
    """Reduce an English plural to its singular ("shoes" -> "shoe", "batteries" -> "battery").

    Hand-written because the usual stemmer for bm25s (PyStemmer) is not a dependency, and
    product search mostly needs singular/plural to meet; the same function is applied to
    documents, queries and category filters, so both sides always agree.
    """
    if len(word) <= 3 or not word.endswith("s") or word.endswith(("ss", "us", "is", "as")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "zes", "sses")):
        return word[:-2]
    return word[:-1]


def stem_words(words: Sequence[str]) -> list[str]:
    """:func:`stem_word` over a list, the stemmer signature bm25s expects."""
    return [stem_word(word) for word in words]


def normalise_phrase(text: str) -> str:
    """Lower-case words of ``text``, singular, joined by single spaces ("T-Shirts" -> "t shirt")."""
    return " ".join(stem_word(word) for word in _WORD.findall(text.casefold()))


def _compact(code: str) -> str:
    return re.sub(r"[^0-9a-z]", "", code.casefold())


def sku_terms(sku: str) -> list[str]:
    """Compact forms of a SKU and its leading parts ("SW-RUN-1042" -> "swrun", "swrun1042").

    The leading parts let a product code without the variant suffix find all its variants.
    """
    parts = [part for part in _SKU_SEPARATORS.split(sku.casefold()) if part]
    if len(parts) <= 1:
        return [_compact(sku)] if _compact(sku) else []
    return [_compact("".join(parts[:end])) for end in range(2, len(parts) + 1)]


def _first_sentences(text: str, count: int) -> str:
    return " ".join(_SENTENCE_END.split(text.strip())[:count])


def embedding_text(record: ProductRecord) -> str:
    """The text the embedding model sees: what the product is, who makes it, key attributes."""
    parts = [f"{record.title} by {record.brand}." if record.brand else f"{record.title}."]
    if record.category:
        parts.append(f"Category: {record.category}.")
    if record.colors:
        parts.append(f"Colors: {', '.join(record.colors)}.")
    if record.material:
        parts.append(f"Material: {record.material}.")
    description = _first_sentences(record.description, DESCRIPTION_SENTENCES)
    if description:
        parts.append(description)
    return " ".join(parts)


def lexical_text(record: ProductRecord) -> str:
    """The text BM25 indexes for ``record``: weighted title/brand/category, attributes, SKUs."""
    skus = sorted({term for sku in record.skus for term in sku_terms(sku)})
    parts = (
        [record.title] * TITLE_WEIGHT
        + [record.brand or ""] * BRAND_WEIGHT
        + [record.category or ""] * CATEGORY_WEIGHT
        + [" ".join(record.colors), record.material or "", record.description, " ".join(skus)]
    )
    return "\n".join(part for part in parts if part)


def lexical_query(query: str) -> str:
    """``query`` with SKU-like words replaced by :func:`sku_terms`, as BM25 indexes SKUs.

    All leading parts are kept, so a SKU with a wrong or missing variant suffix still
    matches its product, below the product whose SKU matches in full.
    """
    return _SKU_LIKE.sub(lambda match: " ".join(sku_terms(match.group(0))), query)


def tokenize(texts: Iterable[str], progress: bool = False) -> list[list[str]]:
    """bm25s tokenization (English stopwords, plural stemming) of each text into words."""
    return bm25s.tokenize(
        list(texts),
        stopwords=STOPWORDS,
        stemmer=stem_words,
        return_ids=False,
        show_progress=progress,
    )


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def edit_distance(left: str, right: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions, swaps."""
    previous2: list[int] = []
    previous = list(range(len(right) + 1))
    for i, a in enumerate(left, start=1):
        current = [i] + [0] * len(right)
        for j, b in enumerate(right, start=1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a != b))
            if i > 1 and j > 1 and a == right[j - 2] and left[i - 2] == b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


class SpellingCorrector:
    """Maps a misspelled query word to the closest word of the catalog's vocabulary.

    A symmetric-delete index (the SymSpell idea): every vocabulary word is stored under
    itself and each form with one letter deleted, so looking up a query word and its
    one-letter deletions finds all words within two edits in a few dictionary lookups,
    fast enough for every query of a 100,000-product catalog. Hand-written because
    symspellpy is not a dependency and the part needed here is this small. Words shorter
    than ``min_length`` and words with digits are never changed; among equally close
    words the one in more products wins.
    """

    def __init__(self, document_frequency: Mapping[str, int], min_length: int = 4) -> None:
        self.min_length = min_length
        self._frequency = dict(document_frequency)
        self._by_delete: dict[str, list[str]] = {}
        for word in self._frequency:
            if len(word) < min_length or any(ch.isdigit() for ch in word):
                continue
            for key in _deletes(word) | {word}:
                self._by_delete.setdefault(key, []).append(word)

    def __contains__(self, word: object) -> bool:
        return word in self._frequency

    def correct(self, word: str) -> str:
        """``word`` itself when known or not correctable, else its closest vocabulary word."""
        if word in self._frequency or len(word) < self.min_length or any(c.isdigit() for c in word):
            return word
        limit = 1 if len(word) <= 5 else 2
        candidates = {
            candidate
            for key in _deletes(word) | {word}
            for candidate in self._by_delete.get(key, ())
        }
        scored = [
            (distance, -self._frequency[candidate], candidate)
            for candidate in candidates
            if (distance := edit_distance(word, candidate)) <= limit
        ]
        return min(scored)[2] if scored else word
