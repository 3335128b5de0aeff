"""Hybrid product search: FAISS dense vectors + bm25s keyword scores, fused.

See docs/search.md for the design. In short:

* every product has an embedding text and a BM25 text (:mod:`retrieval.product_text`);
* dense vectors live in FAISS under their product id: an exact ``IndexFlatIP`` wrapped in
  ``IndexIDMap2`` for small catalogs, an ``IndexIVFFlat`` (which supports adding and
  removing ids) from ``approximate_threshold`` products on;
* filters become a boolean mask over precomputed attribute arrays
  (:mod:`retrieval.filters`) and are applied *before* the top-k cut, inside FAISS through
  an ``IDSelectorBitmap`` and in BM25 by masking the score array;
* misspelled query words are corrected against the catalog's vocabulary;
* the two candidate lists are merged by a tuned mix of scaled scores, or by reciprocal
  rank fusion (:mod:`retrieval.fusion`, :class:`RankingWeights`);
* ``search(..., mode="bm25" | "dense")`` ranks by one part alone, for benchmarks.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import shutil
import threading
import typing
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timezone
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import bm25s
import faiss
import numpy as np

from retrieval.embeddings import encode_in_chunks
from retrieval.filters import AttributeTable, SearchFilters
from retrieval.fusion import convex_combination, reciprocal_rank_fusion
from retrieval.index_manifest import check_encoder
from retrieval.product_text import (
    SpellingCorrector,
    embedding_text,
    lexical_query,
    lexical_text,
    tokenize,
)
from storage.artefacts import (
    ArtefactKind,
    ArtefactNotFoundError,
    CorruptArtefactError,
    IncompatibleArtefactError,
)
from storage.errors import ShopdeskError

if TYPE_CHECKING:
    from retrieval.embeddings import TextEncoder
    from storage.catalog import ProductRecord

logger = logging.getLogger(__name__)

#: Version of the on-disk layout written by :meth:`ProductIndex.save` (2: manifest with a kind).
FORMAT_VERSION = 2
VECTORS_FILE = "vectors.faiss"
RECORDS_FILE = "records.json"

DEFAULT_APPROXIMATE_THRESHOLD = 50_000
#: Candidates taken from each ranking before fusion (at least ``k``).
DEFAULT_CANDIDATES = 50
#: Longest query looked at; longer input is cut here rather than embedded whole.
MAX_QUERY_CHARS = 1_000

FLAT = "flat"
IVF = "ivf"

#: Search modes: the production ranking and the two rankings it fuses, alone.
HYBRID = "hybrid"
BM25 = "bm25"
DENSE = "dense"
SEARCH_MODES = (HYBRID, BM25, DENSE)


@dataclass(frozen=True)
class RankingWeights:
    """How the hybrid ranking combines its parts (tuned on held-out queries, docs/search.md).

    ``fusion="convex"`` (the default) mixes the scaled cosine and BM25 scores of the
    candidates, ``dense_share`` being the cosine's part; ``fusion="rrf"`` uses reciprocal
    rank fusion with constant ``rrf_k``, weighing the rankings by ``dense_weight`` and
    ``lexical_weight``. ``attribute_boost`` is added to a product's fused score for each
    brand or color the query names that the product has (0: off; it did not help on the
    tuning queries).
    """

    fusion: str = "convex"
    dense_share: float = 0.45
    dense_weight: float = 1.0
    lexical_weight: float = 1.0
    rrf_k: int = 60
    attribute_boost: float = 0.0


DEFAULT_WEIGHTS = RankingWeights()

__all__ = [
    "CorruptIndexError",
    "IndexManifest",
    "IndexNotFoundError",
    "ProductIndex",
    "ProductIndexError",
    "QueryUnderstanding",
    "RankingWeights",
    "SEARCH_MODES",
    "SearchFilters",
    "SearchHit",
    "StaleIndexError",
    "UpsertResult",
    "catalog_fingerprint",
    "load_or_build",
    "read_manifest",
]


class ProductIndexError(ShopdeskError):
    """Base class of product index errors."""


class StaleIndexError(ProductIndexError, IncompatibleArtefactError):
    """A saved index was built with another embedding model, dimension or format version."""


class IndexNotFoundError(ProductIndexError, ArtefactNotFoundError):
    """No saved index in the given directory."""


class CorruptIndexError(ProductIndexError, CorruptArtefactError):
    """A saved index whose files are missing, unreadable or disagree with each other."""


#: The saved product index in the persistence contract of :mod:`storage.artefacts`.
ARTEFACT = ArtefactKind(
    name="product-index",
    label="product index",
    format_version=FORMAT_VERSION,
    fix="rebuild it with `shopdesk index build --rebuild`",
    not_found=IndexNotFoundError,
    incompatible=StaleIndexError,
    corrupt=CorruptIndexError,
)


@dataclass(frozen=True)
class SearchHit:
    """One search result: the product and its fused score (higher is better).

    ``dense_score`` is the cosine similarity to the query, ``lexical_score`` the BM25 score
    (0 when no query word matched); both are 0 for an empty query, whose ``score`` is the
    product rating.
    """

    record: ProductRecord
    score: float
    dense_score: float = 0.0
    lexical_score: float = 0.0


@dataclass(frozen=True)
class UpsertResult:
    """What :meth:`ProductIndex.upsert` changed."""

    added: int
    updated: int
    embedded: int


@dataclass(frozen=True)
class IndexManifest:
    """Contents of ``manifest.json``: what a saved index was built from and how."""

    format_version: int
    model_name: str
    dimension: int
    product_count: int
    catalog_fingerprint: str
    index_type: str
    created_at: str
    ivf_lists: int | None = None
    ivf_probe: int | None = None


@cache
def _record_field_types() -> dict[str, Any]:
    from storage.catalog import ProductRecord

    return typing.get_type_hints(ProductRecord)


def record_to_dict(record: ProductRecord) -> dict[str, Any]:
    """JSON-ready dictionary of a record (tuples as lists, datetimes as ISO 8601)."""
    data: dict[str, Any] = {}
    for field in fields(record):
        value = getattr(record, field.name)
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, tuple):
            value = list(value)
        data[field.name] = value
    return data


def record_from_dict(data: dict[str, Any]) -> ProductRecord:
    """Inverse of :func:`record_to_dict`."""
    from storage.catalog import ProductRecord

    values = {}
    for name, hint in _record_field_types().items():
        value = data[name]
        if value is not None and datetime in (hint, *typing.get_args(hint)):
            value = datetime.fromisoformat(value)
        elif typing.get_origin(hint) is tuple:
            value = tuple(value)
        values[name] = value
    return ProductRecord(**values)


def catalog_fingerprint(records: Iterable[ProductRecord]) -> str:
    """Stable hash of the content of all records, independent of their order."""
    rows = sorted((record_to_dict(record) for record in records), key=lambda row: row["product_id"])
    payload = json.dumps(rows, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _ivf_lists_for(count: int) -> int:
    # ~4·sqrt(n) lists is FAISS's usual starting point; k-means wants >= 39 points per list.
    return max(1, min(round(4 * math.sqrt(count)), count // 39))


def _new_vector_index(
    vectors: np.ndarray, ids: np.ndarray, index_type: str, ivf_lists: int | None
) -> faiss.Index:
    dimension = vectors.shape[1]
    if index_type == FLAT:
        index = faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
    else:
        lists = min(ivf_lists or _ivf_lists_for(len(vectors)), len(vectors))
        index = faiss.IndexIVFFlat(
            faiss.IndexFlatIP(dimension), dimension, lists, faiss.METRIC_INNER_PRODUCT
        )
        index.train(vectors)
        # A hash-table direct map lets the IVF index reconstruct and remove single ids.
        index.set_direct_map_type(faiss.DirectMap.Hashtable)
    index.add_with_ids(vectors, ids)
    return index


def _id_array(ids: Iterable[int]) -> np.ndarray:
    return np.fromiter((int(i) for i in ids), dtype=np.int64)


@dataclass(frozen=True)
class QueryUnderstanding:
    """A query as the rankers see it: spelling fixed, BM25 words, the text to embed."""

    words: tuple[str, ...]
    dense_text: str
    corrections: tuple[tuple[str, str], ...]


class ProductIndex:
    """Searchable index of product records (dense + BM25, with filters).

    Create with :meth:`build` or :meth:`load`; keep it up to date with :meth:`upsert` and
    :meth:`remove`. Searching and changing are guarded by one lock, so an index can be
    shared by the threads of an action server.
    """

    def __init__(
        self,
        encoder: TextEncoder,
        records: dict[int, ProductRecord],
        vectors: faiss.Index,
        *,
        index_type: str,
        created_at: str,
        ivf_probe: int | None = None,
        candidates: int = DEFAULT_CANDIDATES,
        weights: RankingWeights = DEFAULT_WEIGHTS,
        progress: bool = False,
    ) -> None:
        """Internal: use :meth:`build` or :meth:`load`."""
        self._encoder = encoder
        self._records = records
        self._vectors = vectors
        self._index_type = index_type
        self._created_at = created_at
        self._ivf_probe = ivf_probe
        self._candidates = candidates
        self.weights = weights
        self._lock = threading.RLock()
        ordered = sorted(records)
        self._tokens = dict(
            zip(
                ordered,
                tokenize((lexical_text(records[i]) for i in ordered), progress),
                strict=False,
            )
        )
        self._refresh_rows()

    # ----------------------------------------------------------------- construction

    @classmethod
    def build(
        cls,
        records: Iterable[ProductRecord],
        encoder: TextEncoder,
        *,
        approximate_threshold: int = DEFAULT_APPROXIMATE_THRESHOLD,
        ivf_lists: int | None = None,
        ivf_probe: int | None = None,
        candidates: int = DEFAULT_CANDIDATES,
        weights: RankingWeights = DEFAULT_WEIGHTS,
        checkpoint_dir: str | Path | None = None,
        progress: bool = True,
    ) -> ProductIndex:
        """Embed and index ``records``.

        From ``approximate_threshold`` products on the dense index is an IVF index with
        ``ivf_lists`` lists (default about 4·sqrt(n)) of which ``ivf_probe`` are searched
        (default lists/16, at least 8); below it search is exact. With ``checkpoint_dir``
        the embeddings are computed in chunks saved there, so an interrupted build resumes
        where it stopped (:func:`retrieval.embeddings.encode_in_chunks`).
        """
        by_id: dict[int, ProductRecord] = {}
        for record in records:
            if record.product_id in by_id:
                raise ProductIndexError(
                    f"Product id {record.product_id} appears twice in the catalog given to "
                    "ProductIndex.build; product ids must be unique."
                )
            by_id[record.product_id] = record
        ids = _id_array(sorted(by_id))
        vectors = encode_in_chunks(
            encoder, [embedding_text(by_id[int(i)]) for i in ids], checkpoint_dir, progress=progress
        )
        index_type = IVF if len(ids) >= max(1, approximate_threshold) else FLAT
        index = _new_vector_index(vectors, ids, index_type, ivf_lists)
        if index_type == IVF:
            ivf_probe = min(index.nlist, ivf_probe or max(8, index.nlist // 16))
        logger.info("Built %s product index over %d products", index_type, len(ids))
        return cls(
            encoder,
            by_id,
            index,
            index_type=index_type,
            created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            ivf_probe=ivf_probe if index_type == IVF else None,
            candidates=candidates,
            weights=weights,
            progress=progress,
        )

    def _refresh_rows(self) -> None:
        """Recompute everything derived from the records: rows, attribute arrays, BM25.

        bm25s has no incremental API, so BM25 is re-indexed from the cached token lists
        after every change; that is a sparse matrix build, milliseconds for thousands of
        products, and only the changed products are re-tokenized.
        """
        self._ids = _id_array(sorted(self._records))
        self._rows = [self._records[int(i)] for i in self._ids]
        self._attributes = AttributeTable(self._rows)
        self._bm25 = bm25s.BM25()
        frequency: dict[str, int] = {}
        if self._rows:
            self._bm25.index([self._tokens[int(i)] for i in self._ids], show_progress=False)
            for tokens in self._tokens.values():
                for word in set(tokens):
                    frequency[word] = frequency.get(word, 0) + 1
        self._speller = SpellingCorrector(frequency)
        # FAISS filters by id through a bitmap over the id range: building it is one
        # numpy operation, where an IDSelectorBatch hashes every allowed id per query.
        self._id_limit = int(self._ids[-1]) + 1 if self._ids.size else 0
        self._fingerprint = catalog_fingerprint(self._rows)

    # ----------------------------------------------------------------- inspection

    def __len__(self) -> int:
        return len(self._records)

    def __contains__(self, product_id: object) -> bool:
        return product_id in self._records

    def get(self, product_id: int) -> ProductRecord | None:
        """The indexed record of ``product_id``, or None."""
        return self._records.get(product_id)

    def product_ids(self) -> np.ndarray:
        """Ids of the indexed products, ascending (the order of :meth:`filter_mask`)."""
        with self._lock:
            return self._ids.copy()

    def filter_mask(self, filters: SearchFilters | None) -> np.ndarray:
        """Which products (in :meth:`product_ids` order) satisfy ``filters``."""
        with self._lock:
            return self._attributes.mask(filters)

    def ids_matching(self, filters: SearchFilters | None) -> set[int]:
        """Ids of the products that satisfy ``filters`` (no ranking, no records built)."""
        with self._lock:
            return set(self._ids[self._attributes.mask(filters)].tolist())

    def memory_bytes(self) -> dict[str, int]:
        """Approximate memory of the index parts: ``vectors`` (FAISS), ``bm25``, ``attributes``."""
        with self._lock:
            vectors = faiss.serialize_index(self._vectors).nbytes
            matrix = getattr(self._bm25, "scores", None) or {}
            bm25 = sum(int(getattr(part, "nbytes", 0)) for part in matrix.values())
            attributes = sum(
                array.nbytes
                for array in (
                    self._ids,
                    self._attributes.prices,
                    self._attributes.stock,
                    self._attributes.ratings,
                )
            ) + sum(mask.nbytes for mask in self._attributes.masks())
        return {"vectors": vectors, "bm25": bm25, "attributes": attributes}

    @property
    def index_type(self) -> str:
        """``"flat"`` (exact) or ``"ivf"`` (approximate)."""
        return self._index_type

    @property
    def fingerprint(self) -> str:
        """:func:`catalog_fingerprint` of the indexed records."""
        return self._fingerprint

    @property
    def manifest(self) -> IndexManifest:
        """The manifest :meth:`save` writes for the index as it is now."""
        return IndexManifest(
            format_version=FORMAT_VERSION,
            model_name=self._encoder.model_name,
            dimension=self._encoder.dimension,
            product_count=len(self._records),
            catalog_fingerprint=self._fingerprint,
            index_type=self._index_type,
            created_at=self._created_at,
            ivf_lists=int(self._vectors.nlist) if self._index_type == IVF else None,
            ivf_probe=self._ivf_probe,
        )

    def is_stale(self, fingerprint: str) -> bool:
        """True when the catalog with ``fingerprint`` differs from the indexed records."""
        return fingerprint != self._fingerprint

    # ----------------------------------------------------------------- search

    def search(
        self,
        query: str,
        filters: SearchFilters | None = None,
        k: int = 5,
        *,
        mode: str = HYBRID,
    ) -> list[SearchHit]:
        """Up to ``k`` products matching ``filters``, best match for ``query`` first.

        An empty query ranks the matching products by rating, then stock. In the default
        ``"hybrid"`` mode fewer than ``k`` hits come back only when fewer than ``k``
        products match the filters. ``mode="dense"`` ranks by the embedding alone and
        ``mode="bm25"`` by BM25 alone (only products sharing a word with the query), for
        measuring what each part contributes; both see the same corrected query.
        """
        if mode not in SEARCH_MODES:
            raise ValueError(f"Unknown search mode {mode!r}; use one of {', '.join(SEARCH_MODES)}.")
        with self._lock:
            allowed = self._attributes.mask(filters)
            allowed_rows = np.flatnonzero(allowed)
            if k <= 0 or allowed_rows.size == 0:
                return []
            query = query.strip()[:MAX_QUERY_CHARS]
            if not query:
                return [
                    SearchHit(self._rows[row], float(np.nan_to_num(self._attributes.ratings[row])))
                    for row in self._attributes.popularity_order(allowed_rows)[:k]
                ]
            understood = self.understand(query)
            pool = max(k, self._candidates)
            if mode == BM25:
                return self._lexical_hits(understood, allowed, k)
            query_vector = self._encoder.encode([understood.dense_text])
            dense_rows, dense_scores = self._dense_candidates(
                query_vector, allowed, allowed_rows, pool
            )
            if mode == DENSE:
                return [
                    SearchHit(self._rows[row], float(score), float(score))
                    for row, score in zip(dense_rows[:k], dense_scores[:k], strict=False)
                ]
            lexical = self._lexical_scores(understood.words, allowed)
            lexical_rows = self._top_rows(lexical, pool)
            extra_rows = np.setdiff1d(lexical_rows, dense_rows)
            rows = np.concatenate([dense_rows, extra_rows])
            dense = np.concatenate([dense_scores, self._dense_scores_of(query_vector, extra_rows)])
            fused = self._fuse(dense, lexical[rows], rows, understood)
            best = np.lexsort((-dense, -fused))[:k]
            return [
                SearchHit(
                    self._rows[rows[i]], float(fused[i]), float(dense[i]), float(lexical[rows[i]])
                )
                for i in best
            ]

    def _fuse(
        self,
        dense: np.ndarray,
        lexical: np.ndarray,
        rows: np.ndarray,
        understood: QueryUnderstanding,
    ) -> np.ndarray:
        """Hybrid score of each candidate row from its cosine and BM25 scores (``self.weights``)."""
        weights = self.weights
        if weights.fusion == "convex":
            fused = convex_combination(dense, lexical, weights.dense_share)
        else:
            fused = reciprocal_rank_fusion(
                dense,
                lexical,
                weights.rrf_k,
                dense_weight=weights.dense_weight,
                lexical_weight=weights.lexical_weight,
            )
        if weights.attribute_boost:
            named = self._attributes.attribute_matches(frozenset(understood.words), rows)
            fused = fused + weights.attribute_boost * named
        return fused

    def understand(self, query: str) -> QueryUnderstanding:
        """The query's BM25 words with misspellings fixed, and the text to embed.

        A word is corrected when it is neither in the catalog's vocabulary nor an ordinary
        English word the embedding model knows whole; the dense text is the query with the
        corrected words replaced, so "blutooth speakr" is embedded as "bluetooth speaker".
        """
        words = tokenize([lexical_query(query)])[0]
        corrections: list[tuple[str, str]] = []
        fixed = []
        for word in words:
            better = word
            if word not in self._speller and not self._encoder.knows_word(word):
                better = self._speller.correct(word)
            if better != word:
                corrections.append((word, better))
            fixed.append(better)
        dense_text = query
        if corrections:
            wrong = dict(corrections)
            pieces = query.split()
            dense_text = " ".join(
                wrong.get(words[0], piece) if len(words) == 1 else piece
                for piece, words in zip(pieces, tokenize(pieces), strict=False)
            )
        return QueryUnderstanding(tuple(fixed), dense_text, tuple(corrections))

    def _lexical_hits(
        self, understood: QueryUnderstanding, allowed: np.ndarray, k: int
    ) -> list[SearchHit]:
        """BM25-only ranking: allowed products sharing a word with the query, best first."""
        lexical = self._lexical_scores(understood.words, allowed)
        rows = self._top_rows(lexical, k)
        rows = rows[np.lexsort((rows, -lexical[rows]))]
        return [
            SearchHit(self._rows[row], float(lexical[row]), 0.0, float(lexical[row]))
            for row in rows
        ]

    @staticmethod
    def _top_rows(scores: np.ndarray, count: int) -> np.ndarray:
        """Rows of the ``count`` highest positive scores, in no particular order."""
        rows = np.flatnonzero(scores > 0)
        if rows.size > count:
            rows = rows[np.argpartition(-scores[rows], count)[:count]]
        return rows

    def _dense_candidates(
        self, query_vector: np.ndarray, allowed: np.ndarray, allowed_rows: np.ndarray, pool: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Rows and cosine scores of the ``pool`` allowed products nearest the query, best first."""
        count = min(pool, allowed_rows.size)
        selector = bitmap = None
        if allowed_rows.size < len(self._rows):
            members = np.zeros(self._id_limit, dtype=bool)
            members[self._ids[allowed]] = True
            bitmap = np.packbits(members, bitorder="little")
            selector = faiss.IDSelectorBitmap(self._id_limit, faiss.swig_ptr(bitmap))
        if self._index_type == FLAT:
            params = faiss.SearchParameters(sel=selector) if selector is not None else None
            scores, ids = self._vectors.search(query_vector, count, params=params)
        else:
            # An IVF index always records its probe count; the index's own is the fallback.
            probe = self._vectors.nprobe if self._ivf_probe is None else self._ivf_probe
            scores, ids = self._search_ivf(query_vector, count, selector, probe)
            if (ids[0] >= 0).sum() < count:
                # The probed lists held fewer than `count` allowed products (a narrow
                # filter): probe every list, which scans exactly the allowed products.
                scores, ids = self._search_ivf(query_vector, count, selector, self._vectors.nlist)
        del bitmap  # FAISS read it through a raw pointer; it must live until here
        found = ids[0] >= 0
        return np.searchsorted(self._ids, ids[0][found]), scores[0][found]

    def _search_ivf(
        self, query_vector: np.ndarray, count: int, selector: faiss.IDSelector | None, probe: int
    ) -> tuple[np.ndarray, np.ndarray]:
        params = faiss.SearchParametersIVF(nprobe=int(probe))
        if selector is not None:
            params.sel = selector
        return self._vectors.search(query_vector, count, params=params)

    def _dense_scores_of(self, query_vector: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Cosine scores of given rows (BM25 candidates the dense search did not return)."""
        if rows.size == 0:
            return np.zeros(0, dtype=np.float32)
        vectors = np.stack([self._vectors.reconstruct(int(self._ids[row])) for row in rows])
        return vectors @ query_vector[0]

    def _lexical_scores(self, words: Sequence[str], allowed: np.ndarray) -> np.ndarray:
        """BM25 score of every row for the query ``words``; 0 for rows outside ``allowed``."""
        token_ids = self._bm25.get_tokens_ids(list(words))
        if not token_ids:
            return np.zeros(len(self._rows), dtype=np.float32)
        return self._bm25.get_scores_from_ids(token_ids) * allowed

    # ----------------------------------------------------------------- changes

    def upsert(self, records: Iterable[ProductRecord], progress: bool = False) -> UpsertResult:
        """Add new products and replace changed ones.

        Only products whose embedding text changed are re-embedded.
        """
        with self._lock:
            incoming = {record.product_id: record for record in records}
            changed = {pid: r for pid, r in incoming.items() if self._records.get(pid) != r}
            to_embed = [
                record
                for pid, record in changed.items()
                if pid not in self._records
                or embedding_text(self._records[pid]) != embedding_text(record)
            ]
            if to_embed:
                ids = _id_array(record.product_id for record in to_embed)
                vectors = self._encoder.encode(
                    [embedding_text(r) for r in to_embed], progress=progress
                )
                self._vectors.remove_ids(ids)
                self._vectors.add_with_ids(vectors, ids)
            tokens = tokenize((lexical_text(record) for record in changed.values()), progress)
            added = sum(pid not in self._records for pid in changed)
            self._tokens.update(zip(changed, tokens, strict=False))
            self._records.update(changed)
            if changed:
                self._refresh_rows()
            return UpsertResult(added=added, updated=len(changed) - added, embedded=len(to_embed))

    def remove(self, product_ids: Iterable[int]) -> int:
        """Remove products (unknown ids are ignored); returns how many were removed."""
        with self._lock:
            present = sorted({int(pid) for pid in product_ids if pid in self._records})
            if not present:
                return 0
            self._vectors.remove_ids(_id_array(present))
            for pid in present:
                del self._records[pid]
                del self._tokens[pid]
            self._refresh_rows()
            return len(present)

    # ----------------------------------------------------------------- persistence

    def save(self, directory: str | Path) -> Path:
        """Write the index to ``directory`` atomically (a temporary directory renamed in)."""
        target = Path(directory)
        with self._lock, ARTEFACT.saving(target, asdict(self.manifest)) as staging:
            faiss.write_index(self._vectors, str(staging / VECTORS_FILE))
            records = [record_to_dict(record) for record in self._rows]
            (staging / RECORDS_FILE).write_text(
                json.dumps(records, ensure_ascii=False), encoding="utf-8"
            )
        logger.info("Saved product index (%d products) to %s", len(self._records), target)
        return target

    @classmethod
    def load(
        cls,
        directory: str | Path,
        encoder: TextEncoder,
        *,
        candidates: int = DEFAULT_CANDIDATES,
        weights: RankingWeights = DEFAULT_WEIGHTS,
        progress: bool = False,
    ) -> ProductIndex:
        """Load an index written by :meth:`save`.

        Raises :class:`IndexNotFoundError` when there is none, :class:`StaleIndexError` when
        it was built with another model, dimension or format version (rebuild it), and
        :class:`CorruptIndexError` when its files are damaged.
        """
        manifest = read_manifest(directory)
        source = Path(directory)
        check_encoder(manifest, source, encoder, ARTEFACT)
        try:
            vectors = faiss.read_index(str(source / VECTORS_FILE))
            rows = json.loads((source / RECORDS_FILE).read_text(encoding="utf-8"))
            records = {record.product_id: record for record in map(record_from_dict, rows)}
        except (OSError, RuntimeError, ValueError, KeyError, TypeError) as exc:
            raise ARTEFACT.unreadable(source, exc) from exc
        index = cls(
            encoder,
            records,
            vectors,
            index_type=manifest.index_type,
            created_at=manifest.created_at,
            ivf_probe=manifest.ivf_probe,
            candidates=candidates,
            weights=weights,
            progress=progress,
        )
        counts = {vectors.ntotal, len(records), manifest.product_count}
        if len(counts) > 1 or index.fingerprint != manifest.catalog_fingerprint:
            raise ARTEFACT.disagreeing(
                source,
                f"{vectors.ntotal} vectors, {len(records)} records, manifest says "
                f"{manifest.product_count}",
            )
        return index


def set_search_threads(threads: int) -> Callable[[], None]:
    """Let FAISS (OpenMP) and numpy's BLAS use ``threads`` threads (process-wide); returns a
    function that restores the previous numbers.

    One thread suits a server: a single query gains nothing from more, and idle pool threads
    spin after each search, doubling its CPU time. Index builds may use more.
    """
    from threadpoolctl import threadpool_limits

    count = max(1, int(threads))
    previous = faiss.omp_get_max_threads()
    # BLAS first: FAISS's bundled OpenBLAS sets the OpenMP thread count when it is limited.
    blas = threadpool_limits(limits=count, user_api="blas")
    faiss.omp_set_num_threads(count)

    def restore() -> None:
        blas.restore_original_limits()
        faiss.omp_set_num_threads(previous)

    return restore


def read_manifest(directory: str | Path) -> IndexManifest:
    """The manifest of the index saved in ``directory``."""
    return ARTEFACT.read_typed_manifest(directory, IndexManifest)


def load_or_build(
    directory: str | Path,
    records_loader: Callable[[], Iterable[ProductRecord]],
    encoder: TextEncoder,
    *,
    approximate_threshold: int = DEFAULT_APPROXIMATE_THRESHOLD,
    candidates: int = DEFAULT_CANDIDATES,
    weights: RankingWeights = DEFAULT_WEIGHTS,
    progress: bool = True,
) -> ProductIndex:
    """Load the index in ``directory`` if it matches the catalog, else rebuild and save it.

    ``records_loader`` is always called: the catalog fingerprint decides freshness. An index
    built with another model, of the wrong kind for ``approximate_threshold``, damaged or
    missing is rebuilt; a stale index is never returned. A rebuild saves its embeddings in
    chunks next to ``directory`` (``.<name>.embeddings``) as it goes, so an interrupted
    rebuild resumes; the chunks are deleted once the new index is saved.
    """
    records: Sequence[ProductRecord] = list(records_loader())
    fingerprint = catalog_fingerprint(records)
    expected_type = IVF if len(records) >= max(1, approximate_threshold) else FLAT
    try:
        index = ProductIndex.load(directory, encoder, candidates=candidates, weights=weights)
    except ProductIndexError as exc:
        reason = str(exc)
    else:
        if not index.is_stale(fingerprint) and index.index_type == expected_type:
            logger.info("Loaded product index from %s (%d products)", directory, len(index))
            return index
        reason = (
            "the catalog changed since it was built"
            if index.is_stale(fingerprint)
            else f"it is a {index.index_type} index, the catalog size calls for {expected_type}"
        )
    logger.info("Rebuilding the product index in %s: %s", directory, reason)
    target = Path(directory)
    checkpoint = target.parent / f".{target.name}.embeddings"
    index = ProductIndex.build(
        records,
        encoder,
        approximate_threshold=approximate_threshold,
        candidates=candidates,
        weights=weights,
        checkpoint_dir=checkpoint,
        progress=progress,
    )
    index.save(directory)
    shutil.rmtree(checkpoint, ignore_errors=True)
    return index
