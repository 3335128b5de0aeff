"""Fix the bot: the queue of misunderstood messages and the reviewed training examples.

Messages with a fallback, a confidence below the threshold, or a staff flag wait in the queue,
grouped by similar text (sentence embeddings). An annotator gives one the right intent (and
entities); the example is appended to a Rasa NLU file under ``nlu_data/train/`` that
``rasa train`` reads, unless the same text already is an example (a duplicate, or a conflict
when its intent differs): then it is refused with the file that holds it.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from console.staff import Staff, audit
from storage.orders import committing, utcnow
from storage.schema import ConversationMessage, TrainingLabel

QUEUE_LIMIT = 300
SIMILAR = 0.8
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]+\)|\{[^}]+\})")
_INTENT_NAME = re.compile(r"^[a-z][a-z0-9_]{1,60}$")
_ENTITY_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
_write_lock = threading.Lock()


class LabelRefused(ValueError):
    """A label that would harm the training data; the message says why and what to do."""


def plain(example: str) -> str:
    """An example without entity annotations, lower case, single spaces (for comparisons)."""
    return " ".join(_ANNOTATION.sub(r"\1", example).lower().split())


@dataclass(frozen=True)
class TrainingData:
    """The examples of the NLU training files: plain text -> (intent, file)."""

    examples: dict[str, tuple[str, str]]
    intents: frozenset[str]


def load_training_data(
    train_dir: Path, domain_dir: Path, reviewed_file: Path | None = None
) -> TrainingData:
    """Every NLU example in `train_dir` (and `reviewed_file`) and the intents of the domain."""
    examples: dict[str, tuple[str, str]] = {}
    intents: set[str] = set()
    files = sorted(train_dir.glob("*.yml"))
    if reviewed_file is not None and reviewed_file.exists() and reviewed_file not in files:
        files.append(reviewed_file)
    for path in files:
        document = yaml.safe_load(path.read_text()) or {}
        for item in document.get("nlu") or []:
            intent = item.get("intent") if isinstance(item, dict) else None
            if not intent:
                continue
            intents.add(intent)
            for line in str(item.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- "):
                    examples.setdefault(plain(line[2:]), (intent, path.name))
    for path in sorted(domain_dir.glob("*.yml")):
        document = yaml.safe_load(path.read_text()) or {}
        for intent in document.get("intents") or []:
            intents.add(intent if isinstance(intent, str) else next(iter(intent)))
    return TrainingData(examples, frozenset(intents))


@dataclass(frozen=True)
class QueuedMessage:
    """A shopper's message the bot did not understand well."""

    event_id: int
    sender_id: str
    sent_at: datetime
    text: str
    intent: str | None
    confidence: float | None
    flagged: bool


@dataclass
class MessageGroup:
    """Messages with similar text; the first is the group's example."""

    messages: list[QueuedMessage] = field(default_factory=list)


def review_queue(session: Session, low_confidence: float) -> list[QueuedMessage]:
    """Unlabelled shopper messages: fallback, low confidence or flagged by staff; newest first."""
    message = ConversationMessage
    rows = session.execute(
        select(message)
        .where(
            message.actor == "user",
            message.labelled_at.is_(None),
            message.text != "",
            or_(
                message.fallback,
                message.confidence < low_confidence,
                message.flagged_by.is_not(None),
            ),
        )
        .order_by(message.event_id.desc())
        .limit(QUEUE_LIMIT)
    ).scalars()
    return [
        QueuedMessage(
            m.event_id,
            m.sender_id,
            m.sent_at,
            m.text,
            m.intent,
            m.confidence,
            m.flagged_by is not None,
        )
        for m in rows
    ]


def group_similar(
    messages: Sequence[QueuedMessage],
    encode: Callable[[list[str]], np.ndarray],
    threshold: float = SIMILAR,
) -> list[MessageGroup]:
    """Greedy grouping: each message joins the first group whose example is at least
    ``threshold`` cosine-similar (``encode`` returns L2-normalised rows), else starts one.
    Groups are ordered by size."""
    if not messages:
        return []
    vectors = encode([m.text for m in messages])
    groups: list[MessageGroup] = []
    heads: list[int] = []
    for index, queued in enumerate(messages):
        if heads:
            scores = vectors[heads] @ vectors[index]
            best = int(np.argmax(scores))
            if scores[best] >= threshold:
                groups[best].messages.append(queued)
                continue
        heads.append(index)
        groups.append(MessageGroup([queued]))
    return sorted(groups, key=lambda g: -len(g.messages))


def parse_entities(text: str, raw: str) -> list[tuple[str, str]]:
    """``entity=value`` lines (or comma-separated) whose values occur in ``text``."""
    entities = []
    for part in re.split(r"[\n,]", raw):
        part = part.strip()
        if not part:
            continue
        name, _, value = part.partition("=")
        name, value = name.strip(), value.strip()
        if not _ENTITY_NAME.match(name) or not value:
            raise LabelRefused(
                f"Write entities as name=value (e.g. color=blue), got {part[:60]!r}."
            )
        if value.lower() not in text.lower():
            raise LabelRefused(f"The entity value {value!r} does not occur in the message.")
        entities.append((name, value))
    return entities


def annotate(text: str, entities: list[tuple[str, str]]) -> str:
    """The example in Rasa's markup: each entity value as ``[value](name)``."""
    annotated = " ".join(text.split())
    for name, value in entities:
        start = annotated.lower().find(value.lower())
        if start < 0 or "[" in annotated[start : start + len(value)]:
            raise LabelRefused(f"The entity value {value!r} overlaps another entity.")
        original = annotated[start : start + len(value)]
        annotated = f"{annotated[:start]}[{original}]({name}){annotated[start + len(value) :]}"
    return annotated


_HEADER = (
    "# Examples labelled by annotators in the support console (console/review.py).\n"
    "# rasa train reads this file with the rest of nlu_data/train.\n"
)


class _Block(str):
    """A string YAML writes as a ``|`` block (how Rasa's files hold examples)."""


class _Dumper(yaml.SafeDumper):
    """YAML output with examples as blocks."""


_Dumper.add_representer(
    _Block, lambda dumper, data: dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
)


def _append_example(path: Path, intent: str, example: str) -> None:
    """Add ``example`` under ``intent`` in the reviewed-examples file (atomically replaced)."""
    document: dict[str, Any] = {"version": "3.1", "nlu": []}
    if path.exists():
        document = yaml.safe_load(path.read_text()) or document
    items = document.setdefault("nlu", [])
    for item in items:
        if item.get("intent") == intent:
            item["examples"] = str(item.get("examples") or "") + f"- {example}\n"
            break
    else:
        items.append({"intent": intent, "examples": f"- {example}\n"})
    # Intent-level metadata Rasa keeps on each example: the shop's intent classifier never
    # holds reviewed examples out for validation (bot/components/bert_intent_classifier.py).
    document["nlu"] = [
        {
            **item,
            "metadata": {**(item.get("metadata") or {}), "reviewed": True},
            "examples": _Block(item["examples"]),
        }
        for item in items
    ]
    body = yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1000)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".reviewed-", suffix=".yml")
    try:
        with os.fdopen(handle, "w") as out:
            out.write(_HEADER + body)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class LabelRequest:
    """What the annotator chose for one message."""

    event_id: int
    intent: str
    new_intent: bool = False
    entities: str = ""


def label_message(
    session: Session,
    staff: Staff,
    request: LabelRequest,
    reviewed_file: Path,
    train_dir: Path,
    domain_dir: Path,
) -> str:
    """Write the labelled example; returns it. :class:`LabelRefused` for an unknown intent,
    a duplicate or a conflict, or bad entities: then nothing is written."""
    message = session.get(ConversationMessage, request.event_id)
    if message is None or message.actor != "user":
        raise LookupError(f"There is no shopper message {request.event_id}.")
    if message.labelled_at is not None:
        raise LabelRefused("This message is already labelled.")
    intent = request.intent.strip()
    with _write_lock:
        data = load_training_data(train_dir, domain_dir, reviewed_file)
        if not _INTENT_NAME.match(intent):
            raise LabelRefused(
                "An intent name has 2-61 characters: lower-case letters, digits and _."
            )
        if intent not in data.intents and not request.new_intent:
            raise LabelRefused(
                f"Unknown intent {intent!r}. Pick one of the bot's intents, or tick "
                "'new intent' to create it (then add it to the domain and give it a rule)."
            )
        if intent in data.intents and request.new_intent:
            raise LabelRefused(f"{intent!r} already exists: untick 'new intent'.")
        text = " ".join(message.text.split())
        existing = data.examples.get(plain(text))
        if existing is not None:
            known_intent, where = existing
            if known_intent == intent:
                raise LabelRefused(
                    f"{text!r} is already an example of {intent} in nlu_data/train/{where}."
                )
            raise LabelRefused(
                f"{text!r} is an example of {known_intent} in nlu_data/train/{where}; labelling "
                f"it {intent} would contradict it. Change or remove that example first."
            )
        example = annotate(text, parse_entities(text, request.entities))
        _append_example(reviewed_file, intent, example)
    with committing(session):
        message.labelled_at = utcnow()
        session.add(
            TrainingLabel(
                event_id=message.event_id,
                text=message.text,
                intent=intent,
                entities=request.entities.strip() or None,
                staff_id=staff.id,
                created_at=utcnow(),
            )
        )
    audit(session, staff, "label", message.sender_id, f"{intent}: {example}")
    return example


def dismiss(session: Session, staff: Staff, event_id: int) -> None:
    """Take a message off the queue without a label (it was understood after all)."""
    with committing(session):
        changed = session.execute(
            update(ConversationMessage)
            .where(ConversationMessage.event_id == event_id, ConversationMessage.actor == "user")
            .values(labelled_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
    if not changed:
        raise LookupError(f"There is no shopper message {event_id}.")
    audit(session, staff, "dismiss", str(event_id))
