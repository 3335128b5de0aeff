"""The shop's knowledge base and semantic retrieval over it (answers to policy and help questions).

The shop owner edits a YAML file (``bot/knowledge_base.yml`` in the demo, see
docs/knowledge-base.md) of entries: an id, a topic (an NLU intent such as
``shipping_info``), a few paraphrased questions and an answer. :class:`KnowledgeIndex`
embeds every paraphrase, and each answer (weight configurable), into an exact FAISS
inner-product index. A shopper's question is embedded once and compared with all rows;
an entry scores the best cosine similarity of its rows. Below :data:`DEFAULT_THRESHOLD`
nothing is answered, so the bot can say it does not know and offer a person instead of
guessing.

The saved index follows the product index's conventions (:mod:`retrieval.product_index`):
a ``manifest.json`` with the model, dimension, entry count and a fingerprint of the
knowledge base content, written atomically; :func:`load_or_build` rebuilds an index that
no longer matches the file or the embedding model and never returns a stale one.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import faiss
import numpy as np
import yaml

from retrieval.atomic_directory import atomic_directory
from retrieval.index_manifest import (
    MANIFEST_FILE,
    check_compatible,
    manifest_from_dict,
    read_manifest_file,
)
from storage.errors import ShopdeskError

if TYPE_CHECKING:
    from retrieval.embeddings import TextEncoder

logger = logging.getLogger(__name__)

#: The intents whose questions the knowledge base answers; the default allowed topics.
KNOWLEDGE_TOPICS: tuple[str, ...] = (
    "shipping_info",
    "return_policy",
    "payment_methods",
    "payment_issue",
    "invoice",
    "account_help",
    "contact_info",
    "newsletter",
)

#: Lowest cosine similarity answered. Chosen on the validation set in
#: tests/retrieval/test_knowledge_base.py with the bundled all-MiniLM-L6-v2 and the demo
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

#: Version of the on-disk layout written by :meth:`KnowledgeIndex.save`.
FORMAT_VERSION = 1
VECTORS_FILE = "vectors.faiss"
ENTRIES_FILE = "entries.json"

ENTRY_FIELDS = ("id", "topic", "questions", "answer")

__all__ = [
    "CorruptKnowledgeIndexError",
    "DEFAULT_ANSWER_WEIGHT",
    "DEFAULT_THRESHOLD",
    "KNOWLEDGE_TOPICS",
    "KnowledgeAnswer",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "KnowledgeBaseFormatError",
    "KnowledgeBaseNotFoundError",
    "KnowledgeEntry",
    "KnowledgeIndex",
    "KnowledgeIndexError",
    "KnowledgeIndexManifest",
    "KnowledgeIndexNotFoundError",
    "KnowledgeMatch",
    "StaleKnowledgeIndexError",
    "load_or_build",
    "read_manifest",
]


class KnowledgeBaseError(ShopdeskError):
    """Base class of knowledge base errors."""


class KnowledgeBaseNotFoundError(KnowledgeBaseError, FileNotFoundError):
    """The knowledge base file does not exist."""


class KnowledgeBaseFormatError(KnowledgeBaseError, ValueError):
    """The knowledge base file is not valid; the message names the entry and the field.

    ``entry`` is the entry's id (or ``"#3"`` when it has none), ``field`` the field at
    fault and ``line`` the line the entry starts on; each is None when it does not apply.
    """

    def __init__(
        self,
        message: str,
        *,
        source: str,
        entry: str | None = None,
        field: str | None = None,
        line: int | None = None,
    ) -> None:
        where = source if line is None else f"{source}, line {line}"
        super().__init__(f"{where}: {message}")
        self.source = source
        self.entry = entry
        self.field = field
        self.line = line


class KnowledgeIndexError(KnowledgeBaseError):
    """Base class of errors about a saved knowledge index."""


class StaleKnowledgeIndexError(KnowledgeIndexError):
    """A saved index was built with another embedding model, dimension or format version."""


class KnowledgeIndexNotFoundError(KnowledgeIndexError, FileNotFoundError):
    """No saved knowledge index in the given directory."""


class CorruptKnowledgeIndexError(KnowledgeIndexError):
    """A saved index whose files are missing, unreadable or disagree with each other."""


# --------------------------------------------------------------------------- knowledge base


@dataclass(frozen=True)
class KnowledgeEntry:
    """One question-and-answer entry of the knowledge base."""

    id: str
    topic: str
    questions: tuple[str, ...]
    answer: str

    def to_dict(self) -> dict[str, Any]:
        """JSON/YAML-ready dictionary (questions as a list)."""
        return {
            "id": self.id,
            "topic": self.topic,
            "questions": list(self.questions),
            "answer": self.answer,
        }


class _EntryValidator:
    """Checks the parsed YAML of one knowledge base and turns it into entries."""

    def __init__(
        self, source: str, topics: Sequence[str] | None, entry_lines: Sequence[int]
    ) -> None:
        self.source = source
        self.topics = tuple(topics) if topics is not None else None
        self.entry_lines = entry_lines

    def fail(
        self,
        message: str,
        position: int | None = None,
        entry: str | None = None,
        field: str | None = None,
    ) -> NoReturn:
        line = (
            self.entry_lines[position]
            if position is not None and position < len(self.entry_lines)
            else None
        )
        raise KnowledgeBaseFormatError(
            message, source=self.source, entry=entry, field=field, line=line
        )

    def entries(self, data: Any) -> tuple[KnowledgeEntry, ...]:
        if not isinstance(data, dict) or "entries" not in data:
            self.fail(
                "the file must start with 'entries:' followed by a list of entries (see docs/knowledge-base.md)"
            )
        raw_entries = data["entries"]
        if not isinstance(raw_entries, list) or not raw_entries:
            self.fail(
                "'entries' must be a non-empty list of entries, each starting with '- id:'",
                field="entries",
            )
        entries: list[KnowledgeEntry] = []
        first_position: dict[str, int] = {}
        question_owner: dict[str, str] = {}
        for position, raw in enumerate(raw_entries):
            entry = self.entry(raw, position)
            if entry.id in first_position:
                self.fail(
                    f"entry '{entry.id}': duplicate id, entry #{first_position[entry.id] + 1} already uses it; "
                    "give each entry its own id",
                    position,
                    entry.id,
                    "id",
                )
            first_position[entry.id] = position
            for question in entry.questions:
                key = " ".join(question.casefold().split())
                owner = question_owner.setdefault(key, entry.id)
                if owner != entry.id:
                    self.fail(
                        f"entry '{entry.id}': question {question!r} also belongs to entry '{owner}'; "
                        "a question may appear in one entry only",
                        position,
                        entry.id,
                        "questions",
                    )
            entries.append(entry)
        return tuple(entries)

    def entry(self, raw: Any, position: int) -> KnowledgeEntry:
        label = f"#{position + 1}"
        if not isinstance(raw, dict):
            self.fail(
                f"entry {label} must be a mapping with the fields {', '.join(ENTRY_FIELDS)}",
                position,
                label,
            )
        if isinstance(raw.get("id"), str) and raw["id"].strip():
            label = raw["id"].strip()
        name = f"entry '{label}'" if not label.startswith("#") else f"entry {label}"
        unknown = [str(key) for key in raw if key not in ENTRY_FIELDS]
        if unknown:
            self.fail(
                f"{name}: unknown field '{unknown[0]}' (the fields are {', '.join(ENTRY_FIELDS)})",
                position,
                label,
                unknown[0],
            )
        for field in ENTRY_FIELDS:
            if raw.get(field) in (None, "", []):
                self.fail(f"{name}: missing {field!r}", position, label, field)
        entry_id = self.text(raw["id"], f"{name}: 'id'", position, label, "id")
        if any(char.isspace() for char in entry_id):
            self.fail(
                f"{name}: 'id' must not contain spaces; use '-' instead", position, label, "id"
            )
        topic = self.text(raw["topic"], f"{name}: 'topic'", position, label, "topic")
        if self.topics is not None and topic not in self.topics:
            self.fail(
                f"{name}: unknown topic {topic!r}; use one of {', '.join(self.topics)}",
                position,
                label,
                "topic",
            )
        questions = raw["questions"]
        if not isinstance(questions, list):
            self.fail(
                f"{name}: 'questions' must be a list, one '- question' per line",
                position,
                label,
                "questions",
            )
        texts = tuple(
            self.text(question, f"{name}: question {number}", position, label, "questions")
            for number, question in enumerate(questions, start=1)
        )
        answer = self.text(raw["answer"], f"{name}: 'answer'", position, label, "answer")
        return KnowledgeEntry(id=entry_id, topic=topic, questions=texts, answer=answer)

    def text(self, value: Any, what: str, position: int, label: str, field: str) -> str:
        if not isinstance(value, str):
            # YAML reads bare yes/no/on/off as booleans and digits as numbers.
            self.fail(
                f"{what} must be text, got {value!r}; put it in double quotes",
                position,
                label,
                field,
            )
        if not value.strip():
            self.fail(f"{what} is empty", position, label, field)
        return " ".join(value.split())


def _entry_lines(text: str) -> list[int]:
    """1-based line on which each item of the top-level ``entries`` list starts (best effort)."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return []
    if not isinstance(root, yaml.MappingNode):
        return []
    for key, value in root.value:
        if (
            isinstance(key, yaml.ScalarNode)
            and key.value == "entries"
            and isinstance(value, yaml.SequenceNode)
        ):
            return [item.start_mark.line + 1 for item in value.value]
    return []


@dataclass(frozen=True)
class KnowledgeBase:
    """The validated entries of a knowledge base file, in file order."""

    entries: tuple[KnowledgeEntry, ...]
    source: str = "<knowledge base>"

    @classmethod
    def from_file(
        cls, path: str | Path, topics: Sequence[str] | None = KNOWLEDGE_TOPICS
    ) -> KnowledgeBase:
        """Read and validate a knowledge base YAML file.

        ``topics`` lists the allowed topics (None allows any). Raises
        :class:`KnowledgeBaseNotFoundError` for a missing file and
        :class:`KnowledgeBaseFormatError`, naming the entry and field, for an invalid one.
        """
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError as exc:
            raise KnowledgeBaseNotFoundError(
                f"No knowledge base at {path}; create it (format: docs/knowledge-base.md) or point "
                "SHOPDESK_KNOWLEDGE_BASE at it."
            ) from exc
        except UnicodeDecodeError as exc:
            raise KnowledgeBaseFormatError(
                f"the file is not UTF-8 text ({exc})", source=str(path)
            ) from exc
        return cls.from_text(text, source=str(path), topics=topics)

    @classmethod
    def from_text(
        cls,
        text: str,
        source: str = "<knowledge base>",
        topics: Sequence[str] | None = KNOWLEDGE_TOPICS,
    ) -> KnowledgeBase:
        """Parse and validate knowledge base YAML given as a string (see :meth:`from_file`)."""
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problem = getattr(exc, "problem", None) or str(exc)
            raise KnowledgeBaseFormatError(
                f"not valid YAML ({problem}); check the indentation and put text containing ':' in quotes",
                source=source,
                line=mark.line + 1 if mark is not None else None,
            ) from exc
        return cls(_EntryValidator(source, topics, _entry_lines(text)).entries(data), source)

    @classmethod
    def from_entries(
        cls,
        entries: Iterable[dict[str, Any]],
        source: str = "<knowledge base>",
        topics: Sequence[str] | None = KNOWLEDGE_TOPICS,
    ) -> KnowledgeBase:
        """Validate entries given as dictionaries with the fields of the YAML file."""
        return cls(_EntryValidator(source, topics, ()).entries({"entries": list(entries)}), source)

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[KnowledgeEntry]:
        return iter(self.entries)

    def get(self, entry_id: str) -> KnowledgeEntry | None:
        """The entry with ``entry_id``, or None."""
        return next((entry for entry in self.entries if entry.id == entry_id), None)

    @property
    def topics(self) -> tuple[str, ...]:
        """The topics used by at least one entry, in order of first use."""
        return tuple(dict.fromkeys(entry.topic for entry in self.entries))

    @property
    def fingerprint(self) -> str:
        """Hash of the entries' content: changes with any id, topic, question or answer.

        Comments, blank lines and re-wrapped text do not change it, so they need no reindex.
        """
        payload = json.dumps(
            [entry.to_dict() for entry in self.entries],
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        )
        return "sha256:" + hashlib.sha256(payload.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- retrieval


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

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> KnowledgeIndexManifest:
        """Read a manifest dictionary, rejecting one with missing fields."""
        return manifest_from_dict(cls, data)


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
        """Embed every question (and each answer, scaled by ``answer_weight``; 0 leaves answers out)."""
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
        """The ``k`` closest entries, best first, whatever their score (``topic`` restricts them)."""
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
        """Write the index to ``directory`` atomically (a temporary directory renamed into place)."""
        target = Path(directory)
        with atomic_directory(target) as staging:
            faiss.write_index(self._vectors, str(staging / VECTORS_FILE))
            entries = [entry.to_dict() for entry in self.kb.entries]
            (staging / ENTRIES_FILE).write_text(
                json.dumps(entries, ensure_ascii=False), encoding="utf-8"
            )
            manifest = json.dumps(asdict(self.manifest), indent=2) + "\n"
            (staging / MANIFEST_FILE).write_text(manifest, encoding="utf-8")
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
        check_compatible(
            manifest,
            source,
            encoder,
            FORMAT_VERSION,
            what="knowledge index",
            fix="run 'shopdesk kb reindex'",
            stale=StaleKnowledgeIndexError,
        )
        try:
            vectors = faiss.read_index(str(source / VECTORS_FILE))
            entries = json.loads((source / ENTRIES_FILE).read_text(encoding="utf-8"))
            kb = KnowledgeBase.from_entries(entries, source=manifest.source, topics=None)
        except (OSError, RuntimeError, ValueError, TypeError) as exc:
            raise CorruptKnowledgeIndexError(
                f"The knowledge index in {source} cannot be read ({type(exc).__name__}: {exc}); "
                "run 'shopdesk kb reindex'."
            ) from exc
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
            raise CorruptKnowledgeIndexError(
                f"The files of the knowledge index in {source} disagree with its manifest ({vectors.ntotal} "
                f"vectors for {expected_rows} texts, {len(kb)} entries, manifest says {manifest.entry_count}); "
                "run 'shopdesk kb reindex'."
            )
        return index


def read_manifest(directory: str | Path) -> KnowledgeIndexManifest:
    """The manifest of the knowledge index saved in ``directory``."""
    return read_manifest_file(
        directory,
        KnowledgeIndexManifest,
        what="knowledge index",
        fix="run 'shopdesk kb reindex'",
        not_found=KnowledgeIndexNotFoundError,
        corrupt=CorruptKnowledgeIndexError,
    )


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
                reason = f"it was built with answer weight {index.manifest.answer_weight}, not {answer_weight}"
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
