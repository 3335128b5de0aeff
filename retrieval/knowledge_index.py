"""Semantic retrieval over the shop's knowledge base (answers to policy and help questions).

:class:`KnowledgeIndex` embeds every paraphrase of a
:class:`~retrieval.knowledge_base.KnowledgeBase`, and each answer (weight configurable), into
an exact FAISS inner-product index. A shopper's question is embedded once and compared with
all rows; an entry scores the best cosine similarity of its rows. Below
:data:`DEFAULT_THRESHOLD` nothing is answered, so the bot can say it does not know and offer
a person instead of guessing.

The saved index follows the persistence contract of :mod:`storage.artefacts`: written
atomically, with a ``manifest.json`` naming its kind, format version, model, dimension,
entry count and a fingerprint of the knowledge base content; :func:`load_or_build`
rebuilds an index that no longer matches the file or the embedding model and never returns
a stale one.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import faiss
import numpy as np

from retrieval.index_manifest import check_encoder
from retrieval.knowledge_base import (
    KNOWLEDGE_TOPICS,
    KnowledgeBase,
    KnowledgeBaseError,
    KnowledgeEntry,
)
from storage.artefacts import (
    ArtefactKind,
    ArtefactNotFoundError,
    CorruptArtefactError,
    IncompatibleArtefactError,
)

if TYPE_CHECKING:
    from retrieval.embeddings import TextEncoder

logger = logging.getLogger(__name__)

#: Lowest cosine similarity answered. Chosen on the validation set in
#: tests/retrieval/test_knowledge_index.py with the bundled all-MiniLM-L6-v2 and the demo
#: knowledge base: paraphrases not in the file score 0.536 and up, off-topic and product
#: questions at most 0.435; 0.48 sits in the middle of that gap. Another embedding model
#: needs its own value (docs/knowledge-base.md tells how to pick one).
DEFAULT_THRESHOLD = 0.48
#: Weight of an entry's answer text next to its questions (the answer's vector is scaled by
#: it; 0 leaves answers out). An answer is rarely the closest text, but it adds words the
#: questions lack ("Klarna", "Hawaii"): on the validation set full weight lifted the lowest
#: paraphrase scores by about 0.02-0.04 and no off-topic score, lower weights helped less.
DEFAULT_ANSWER_WEIGHT = 1.0
#: Longest question looked at; longer input is cut here rather than embedded whole.
MAX_QUESTION_CHARS = 1_000

#: Version of the on-disk layout written by :meth:`KnowledgeIndex.save` (2: manifest with a kind).
FORMAT_VERSION = 2
VECTORS_FILE = "vectors.faiss"
ENTRIES_FILE = "entries.json"

__all__ = [
    "CorruptKnowledgeIndexError",
    "DEFAULT_ANSWER_WEIGHT",
    "DEFAULT_THRESHOLD",
    "KnowledgeAnswer",
    "KnowledgeIndex",
    "KnowledgeIndexError",
    "KnowledgeIndexManifest",
    "KnowledgeIndexNotFoundError",
    "KnowledgeMatch",
    "StaleKnowledgeIndexError",
    "load_or_build",
    "read_manifest",
]


class KnowledgeIndexError(KnowledgeBaseError):
    """Base class of errors about a saved knowledge index."""


class StaleKnowledgeIndexError(KnowledgeIndexError, IncompatibleArtefactError):
    """A saved index was built with another embedding model, dimension or format version."""


class KnowledgeIndexNotFoundError(KnowledgeIndexError, ArtefactNotFoundError):
    """No saved knowledge index in the given directory."""


class CorruptKnowledgeIndexError(KnowledgeIndexError, CorruptArtefactError):
    """A saved index whose files are missing, unreadable or disagree with each other."""


#: The saved knowledge index in the persistence contract of :mod:`storage.artefacts`.
ARTEFACT = ArtefactKind(
    name="knowledge-index",
    label="knowledge index",
    format_version=FORMAT_VERSION,
    fix="rebuild it with `shopdesk kb reindex --rebuild`",
    not_found=KnowledgeIndexNotFoundError,
    incompatible=StaleKnowledgeIndexError,
    corrupt=CorruptKnowledgeIndexError,
)


@dataclass(frozen=True)
class KnowledgeMatch:
    """An entry and how close it is to a question: the cosine similarity of its closest text."""

    entry: KnowledgeEntry
    score: float
    matched_text: str


@dataclass(frozen=True)
class KnowledgeAnswer:
    """A confident answer: the best entry, its score and the next best entries.

    ``topic_fallback`` is True when a topic was asked for but no entry of it was close enough
    and the answer comes from another topic.
    """

    entry: KnowledgeEntry
    score: float
    matched_text: str
    runners_up: tuple[KnowledgeMatch, ...] = ()
    topic_fallback: bool = False

    @property
    def text(self) -> str:
        """The answer to send to the shopper."""
        return self.entry.answer


@dataclass(frozen=True)
class KnowledgeIndexManifest:
    """Contents of ``manifest.json``: what a saved knowledge index was built from and how."""

    format_version: int
    model_name: str
    dimension: int
    entry_count: int
    row_count: int
    kb_fingerprint: str
    answer_weight: float
    source: str
    created_at: str


def _rows(kb: KnowledgeBase, answer_weight: float) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The indexed texts, the entry position of each and the weight of each."""
    texts: list[str] = []
    owners: list[int] = []
    weights: list[float] = []
    for position, entry in enumerate(kb.entries):
        texts.extend(entry.questions)
        owners.extend([position] * len(entry.questions))
        weights.extend([1.0] * len(entry.questions))
        if answer_weight > 0:
            texts.append(entry.answer)
            owners.append(position)
            weights.append(answer_weight)
    return texts, np.asarray(owners, dtype=np.int64), np.asarray(weights, dtype=np.float32)


class KnowledgeIndex:
    """Semantic search over a :class:`KnowledgeBase`: FAISS ``IndexFlatIP`` over its texts.

    Build with :meth:`build`, persist with :meth:`save`, reopen with :meth:`load` or
    :func:`load_or_build`. Answering costs one encoder call and one FAISS search; the index
    is never changed after construction, so threads may share it.
    """

    def __init__(
        self,
        kb: KnowledgeBase,
        encoder: TextEncoder,
        vectors: faiss.Index,
        *,
        answer_weight: float,
        created_at: str,
        threshold: float = DEFAULT_THRESHOLD,
    ) -> None:
        """Internal: use :meth:`build` or :meth:`load`."""
        self.kb = kb
        self.threshold = threshold
        self._encoder = encoder
        self._vectors = vectors
        self._answer_weight = answer_weight
        self._created_at = created_at
        self._texts, self._owners, _ = _rows(kb, answer_weight)
        self._topics = np.asarray([entry.topic for entry in kb.entries], dtype=object)

    @classmethod
    def build(
        cls,
        kb: KnowledgeBase,
        encoder: TextEncoder,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        answer_weight: float = DEFAULT_ANSWER_WEIGHT,
        progress: bool = True,
    ) -> KnowledgeIndex:
        """Embed every question, and each answer scaled by ``answer_weight`` (0 leaves them out)."""
        texts, _, weights = _rows(kb, answer_weight)
        vectors = encoder.encode(texts, progress=progress) * weights[:, None]
        index = faiss.IndexFlatIP(encoder.dimension)
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        logger.info("Built the knowledge index: %d entries, %d texts", len(kb), len(texts))
        return cls(
            kb,
            encoder,
            index,
            answer_weight=answer_weight,
            created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            threshold=threshold,
        )

    # ----------------------------------------------------------------- inspection

    def __len__(self) -> int:
        return len(self.kb)

    @property
    def fingerprint(self) -> str:
        """:attr:`KnowledgeBase.fingerprint` of the indexed knowledge base."""
        return self.kb.fingerprint

    def is_stale(self, kb: KnowledgeBase) -> bool:
        """True when ``kb`` differs from the indexed knowledge base."""
        return kb.fingerprint != self.fingerprint

    @property
    def manifest(self) -> KnowledgeIndexManifest:
        """The manifest :meth:`save` writes for this index."""
        return KnowledgeIndexManifest(
            format_version=FORMAT_VERSION,
            model_name=self._encoder.model_name,
            dimension=self._encoder.dimension,
            entry_count=len(self.kb),
            row_count=int(self._vectors.ntotal),
            kb_fingerprint=self.fingerprint,
            answer_weight=self._answer_weight,
            source=self.kb.source,
            created_at=self._created_at,
        )

    # ----------------------------------------------------------------- retrieval

    def _entry_scores(self, question: str) -> tuple[np.ndarray, np.ndarray]:
        """Per entry: the best score over its rows and the row that gave it."""
        query = self._encoder.encode([question[:MAX_QUESTION_CHARS]])
        # Exact search over every row: the flat index compares them all anyway, and the
        # complete ranking lets topic preference and fallback share this one search.
        scores, rows = self._vectors.search(query, self._vectors.ntotal)
        scores, rows = scores[0], rows[0]
        entry_scores = np.full(len(self.kb), -np.inf, dtype=np.float32)
        best_rows = np.zeros(len(self.kb), dtype=np.int64)
        owners = self._owners[rows]
        # Rows arrive best first, so the first row seen of an entry is its best.
        _, first = np.unique(owners, return_index=True)
        entry_scores[owners[first]] = scores[first]
        best_rows[owners[first]] = rows[first]
        return entry_scores, best_rows

    def search(self, question: str, topic: str | None = None, k: int = 3) -> list[KnowledgeMatch]:
        """The ``k`` closest entries, best first, whatever their score (``topic`` narrows them)."""
        if not question.strip() or k <= 0:
            return []
        entry_scores, best_rows = self._entry_scores(question)
        return self._ranked(entry_scores, best_rows, self._topics == topic if topic else None)[:k]

    def _ranked(
        self, entry_scores: np.ndarray, best_rows: np.ndarray, mask: np.ndarray | None
    ) -> list[KnowledgeMatch]:
        positions = np.argsort(-entry_scores, kind="stable")
        if mask is not None:
            positions = positions[mask[positions]]
        return [
            KnowledgeMatch(self.kb.entries[p], float(entry_scores[p]), self._texts[best_rows[p]])
            for p in positions
        ]

    def answer(
        self, question: str, topic: str | None = None, k: int = 3, threshold: float | None = None
    ) -> KnowledgeAnswer | None:
        """The best entry for ``question``, or None when no entry scores ``threshold`` or more.

        With a ``topic`` (the shopper's intent), the best entry of that topic is answered
        when it reaches the threshold, even if another topic scores higher; otherwise the
        best entry of any topic is answered (``topic_fallback=True``) if it reaches the
        threshold. ``runners_up`` holds the next ``k - 1`` entries of any topic, whatever
        their score.
        """
        threshold = self.threshold if threshold is None else threshold
        if not question.strip():
            return None
        entry_scores, best_rows = self._entry_scores(question)
        ranked = self._ranked(entry_scores, best_rows, None)
        best = ranked[0]
        topic_fallback = False
        if topic is not None and topic in self.kb.topics:
            in_topic = next(match for match in ranked if match.entry.topic == topic)
            if in_topic.score >= threshold:
                best = in_topic
            else:
                topic_fallback = best.entry.topic != topic
        if best.score < threshold:
            logger.debug(
                "No knowledge base entry is close enough to %r (best %.3f)", question, best.score
            )
            return None
        runners_up = tuple(match for match in ranked if match.entry.id != best.entry.id)[
            : max(k - 1, 0)
        ]
        return KnowledgeAnswer(
            best.entry, best.score, best.matched_text, runners_up, topic_fallback
        )

    # ----------------------------------------------------------------- persistence

    def save(self, directory: str | Path) -> Path:
        """Write the index to ``directory`` atomically, with its manifest (storage.artefacts)."""
        target = Path(directory)
        with ARTEFACT.saving(target, asdict(self.manifest)) as staging:
            faiss.write_index(self._vectors, str(staging / VECTORS_FILE))
            entries = [entry.to_dict() for entry in self.kb.entries]
            (staging / ENTRIES_FILE).write_text(
                json.dumps(entries, ensure_ascii=False), encoding="utf-8"
            )
        logger.info("Saved the knowledge index (%d entries) to %s", len(self.kb), target)
        return target

    @classmethod
    def load(
        cls, directory: str | Path, encoder: TextEncoder, *, threshold: float = DEFAULT_THRESHOLD
    ) -> KnowledgeIndex:
        """Load an index written by :meth:`save`.

        Raises :class:`KnowledgeIndexNotFoundError` when there is none,
        :class:`StaleKnowledgeIndexError` when it was built with another model, dimension or
        format version, and :class:`CorruptKnowledgeIndexError` when its files are damaged.
        It does not look at the knowledge base file: :func:`load_or_build` does.
        """
        manifest = read_manifest(directory)
        source = Path(directory)
        check_encoder(manifest, source, encoder, ARTEFACT)
        try:
            vectors = faiss.read_index(str(source / VECTORS_FILE))
            entries = json.loads((source / ENTRIES_FILE).read_text(encoding="utf-8"))
            kb = KnowledgeBase.from_entries(entries, source=manifest.source, topics=None)
        except (OSError, RuntimeError, ValueError, TypeError) as exc:
            raise ARTEFACT.unreadable(source, exc) from exc
        index = cls(
            kb,
            encoder,
            vectors,
            answer_weight=manifest.answer_weight,
            created_at=manifest.created_at,
            threshold=threshold,
        )
        expected_rows = len(index._texts)
        if (
            vectors.ntotal != manifest.row_count
            or vectors.ntotal != expected_rows
            or len(kb) != manifest.entry_count
            or kb.fingerprint != manifest.kb_fingerprint
        ):
            raise ARTEFACT.disagreeing(
                source,
                f"{vectors.ntotal} vectors for {expected_rows} texts, {len(kb)} entries, "
                f"manifest says {manifest.entry_count}",
            )
        return index


def read_manifest(directory: str | Path) -> KnowledgeIndexManifest:
    """The manifest of the knowledge index saved in ``directory``."""
    return ARTEFACT.read_typed_manifest(directory, KnowledgeIndexManifest)


def load_or_build(
    directory: str | Path,
    kb_path: str | Path,
    encoder: TextEncoder,
    *,
    topics: Sequence[str] | None = KNOWLEDGE_TOPICS,
    threshold: float = DEFAULT_THRESHOLD,
    answer_weight: float = DEFAULT_ANSWER_WEIGHT,
    rebuild: bool = False,
    progress: bool = True,
) -> KnowledgeIndex:
    """Load the index in ``directory`` if it matches the file ``kb_path``, else rebuild and save it.

    The file is always read and validated (an invalid file raises
    :class:`KnowledgeBaseFormatError` and leaves the saved index alone). An index built
    from other content, with another model or answer weight, damaged or missing is
    rebuilt; ``rebuild=True`` rebuilds regardless. A stale index is never returned.
    """
    kb = KnowledgeBase.from_file(kb_path, topics=topics)
    reason = "a rebuild was requested"
    if not rebuild:
        try:
            index = KnowledgeIndex.load(directory, encoder, threshold=threshold)
        except KnowledgeIndexError as exc:
            reason = str(exc)
        else:
            if index.is_stale(kb):
                reason = f"{kb_path} changed since the index was built"
            elif index.manifest.answer_weight != answer_weight:
                built = index.manifest.answer_weight
                reason = f"it was built with answer weight {built}, not {answer_weight}"
            else:
                logger.info(
                    "Loaded the knowledge index from %s (%d entries)", directory, len(index)
                )
                return index
    logger.info("Rebuilding the knowledge index in %s: %s", directory, reason)
    index = KnowledgeIndex.build(
        kb, encoder, threshold=threshold, answer_weight=answer_weight, progress=progress
    )
    index.save(directory)
    return index
