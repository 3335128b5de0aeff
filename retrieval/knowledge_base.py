"""The shop's knowledge base: the YAML file of policy and help answers, read and validated.

The shop owner edits a YAML file (``bot/knowledge_base.yml`` in the demo, see
docs/knowledge-base.md) of entries: an id, a topic (an NLU intent such as
``shipping_info``), a few paraphrased questions and an answer. :class:`KnowledgeBase`
reads it and refuses an invalid file with an error naming the entry, the field and the
line. Semantic retrieval over the entries is :mod:`retrieval.knowledge_index`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import yaml

from storage.errors import ShopdeskError

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

ENTRY_FIELDS = ("id", "topic", "questions", "answer")

__all__ = [
    "KNOWLEDGE_TOPICS",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "KnowledgeBaseFormatError",
    "KnowledgeBaseNotFoundError",
    "KnowledgeEntry",
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
                "the file must start with 'entries:' followed by a list of entries "
                "(see docs/knowledge-base.md)"
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
                    f"entry '{entry.id}': duplicate id, entry #{first_position[entry.id] + 1} "
                    "already uses it; give each entry its own id",
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
                        f"entry '{entry.id}': question {question!r} also belongs to entry "
                        f"'{owner}'; a question may appear in one entry only",
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
                f"not valid YAML ({problem}); check the indentation and put text "
                "containing ':' in quotes",
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
