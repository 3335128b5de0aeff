"""Training the frustration model on labelled support messages (docs/frustration-data.md).

Only the ``tune`` half is used: the ``test`` half stays held out for ``shopdesk bench
frustration``. The threshold is chosen on cross-validated probabilities of the tuning half
(each message scored by a model that did not see it), so it is not chosen on the same
predictions the final model was fitted to; the final model is then fitted on the whole half.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.frustration import (
    THRESHOLD_PRECISION,
    Embed,
    FrustrationModel,
    TextSignals,
)
from storage.errors import ShopdeskError

#: The split the model is trained on; the other (``test``) is only ever scored.
TRAINING_SPLIT = "tune"
#: Folds of the cross-validation that gives the probabilities the threshold is chosen on.
FOLDS = 5
#: Inverse regularisation strength of the logistic regression (chosen by cross-validation on
#: the tuning half among 0.1-10: the recall at the target precision is flat from 0.3 to 3).
REGULARISATION_C = 1.0
SEED = 0


class FrustrationDataError(ShopdeskError, ValueError):
    """The labelled messages cannot be read or cannot train a model."""


@dataclass(frozen=True)
class LabelledMessage:
    """One support message and whether its writer sounds frustrated."""

    text: str
    frustrated: bool
    split: str
    company: str


@dataclass(frozen=True)
class Quality:
    """Precision, recall and F1 of "score >= threshold" against the labels."""

    threshold: float
    precision: float
    recall: float
    f1: float
    flagged: int


def load_messages(path: Path) -> list[LabelledMessage]:
    """The labelled messages of ``path`` (CSV with text, frustrated 0/1, split, company)."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise FrustrationDataError(
            f"Cannot read the labelled messages {path} ({exc}); set SHOPDESK_FRUSTRATION_DATA "
            "to a CSV with the columns text, frustrated, split (docs/frustration-data.md)."
        ) from exc
    messages = []
    for line, row in enumerate(rows, start=2):
        if row.get("frustrated") not in ("0", "1") or not row.get("split"):
            raise FrustrationDataError(
                f"{path}, line {line}: 'frustrated' must be 0 or 1 and 'split' must be set "
                "(docs/frustration-data.md)."
            )
        messages.append(
            LabelledMessage(
                text=row.get("text") or "",
                frustrated=row["frustrated"] == "1",
                split=row["split"],
                company=row.get("company") or "",
            )
        )
    return messages


def file_fingerprint(path: Path) -> str:
    """The SHA-256 of the file's bytes (what a trained model records it was built from)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def quality(scores: Sequence[float], labels: Sequence[bool], threshold: float) -> Quality:
    """How well "score >= threshold" finds the frustrated messages."""
    flagged = [score >= threshold for score in scores]
    hits = sum(f and y for f, y in zip(flagged, labels, strict=True))
    precision = hits / sum(flagged) if any(flagged) else 1.0
    recall = hits / sum(labels) if any(labels) else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Quality(threshold, precision, recall, f1, sum(flagged))


def choose_threshold(
    scores: Sequence[float], labels: Sequence[bool], target_precision: float = THRESHOLD_PRECISION
) -> Quality:
    """The threshold with the most recall at ``target_precision``, else the best F1."""
    candidates = [quality(scores, labels, t) for t in sorted(set(scores)) if t > 0]
    if not candidates:
        return quality(scores, labels, 1.0)
    precise = [q for q in candidates if q.precision >= target_precision]
    if precise:
        return max(precise, key=lambda q: (q.recall, q.precision))
    return max(candidates, key=lambda q: (q.f1, q.precision))


def feature_matrix(texts: Sequence[str], embed: Embed) -> np.ndarray:
    """One row per text: phrase signals, VADER, then the sentence embedding."""
    signals = TextSignals()
    read = [signals.read(text) for text in texts]
    embeddings = embed([features.text for features in read])
    return np.hstack([np.asarray([features.vector() for features in read]), embeddings])


def train_model(
    messages: Sequence[LabelledMessage],
    embed: Embed,
    embedding_model: str,
    built_from: dict[str, object] | None = None,
) -> tuple[FrustrationModel, Quality]:
    """Fit the model on the ``tune`` messages; return it and its cross-validated quality there
    at the chosen threshold."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    chosen = [m for m in messages if m.split == TRAINING_SPLIT]
    labels = np.asarray([m.frustrated for m in chosen])
    if len(chosen) < 4 * FOLDS or min(labels.sum(), (~labels).sum()) < FOLDS:
        raise FrustrationDataError(
            f"Too few labelled messages to train on: {len(chosen)} in the split "
            f"{TRAINING_SPLIT!r} ({int(labels.sum())} frustrated); at least {4 * FOLDS} are "
            f"needed, with {FOLDS} of each label (docs/frustration-data.md)."
        )
    features = feature_matrix([m.text for m in chosen], embed)
    classifier = LogisticRegression(C=REGULARISATION_C, max_iter=5000)
    folds = StratifiedKFold(FOLDS, shuffle=True, random_state=SEED)
    held_out = cross_val_predict(classifier, features, labels, cv=folds, method="predict_proba")
    tuned = choose_threshold(list(held_out[:, 1]), list(labels))
    classifier.fit(features, labels)
    model = FrustrationModel(
        weights=tuple(float(w) for w in classifier.coef_[0]),
        intercept=float(classifier.intercept_[0]),
        threshold=float(tuned.threshold),
        embedding_model=embedding_model,
        built_from={
            **(built_from or {}),
            "split": TRAINING_SPLIT,
            "messages": len(chosen),
            "frustrated": int(labels.sum()),
            "cross_validated_precision": round(tuned.precision, 4),
            "cross_validated_recall": round(tuned.recall, 4),
        },
    )
    return model, tuned


def train_from_file(
    path: Path, embed: Embed, embedding_model: str
) -> tuple[FrustrationModel, Quality]:
    """:func:`train_model` on the labelled messages of ``path``, recording the file's hash."""
    return train_model(
        load_messages(path),
        embed,
        embedding_model,
        built_from={"data": path.name, "data_sha256": file_fingerprint(path)},
    )
