"""Scores of intent predictions: out-of-scope figures and threshold, per intent, confusion."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

#: Candidate out-of-scope thresholds tried on validation data.
THRESHOLD_GRID = tuple(round(0.05 * step, 2) for step in range(1, 20))


def choose_oos_threshold(
    labels: Sequence[str],
    top: Sequence[tuple[str, float]],
    oos_label: str,
    min_oos_recall: float | None = None,
) -> float:
    """The out-of-scope confidence threshold chosen on validation (label, top prediction) pairs.

    Below the threshold a message counts as out of scope. With ``min_oos_recall`` the threshold
    is the one with the best in-scope accuracy among those that catch at least that share of
    the out-of-scope messages (an operating point: "never miss more than 40% of off-topic
    questions, and otherwise understand as much as possible"); when no threshold reaches it, or
    without it, the one that maximises (in-scope accuracy + oos recall) / 2. Ties go to the
    lower threshold (fewer in-scope messages lost).
    """
    scored = []
    for threshold in THRESHOLD_GRID:
        figures = oos_figures(labels, apply_threshold(top, threshold, oos_label), oos_label)
        scored.append((threshold, figures["in_scope_accuracy"], figures["oos_recall"]))
    if min_oos_recall is not None:
        reaching = [row for row in scored if row[2] >= min_oos_recall - 1e-12]
        if reaching:
            return max(reaching, key=lambda row: (row[1], -row[0]))[0]
    return max(scored, key=lambda row: ((row[1] + row[2]) / 2, -row[0]))[0]


def apply_threshold(
    top: Sequence[tuple[str, float]], threshold: float | None, oos_label: str
) -> list[str]:
    """Top intents, with ``oos_label`` where the confidence is below ``threshold``."""
    if threshold is None:
        return [intent for intent, _ in top]
    return [oos_label if confidence < threshold else intent for intent, confidence in top]


def oos_figures(
    labels: Sequence[str], predicted: Sequence[str], oos_label: str
) -> dict[str, float]:
    """In-scope accuracy, out-of-scope recall and precision (Larson et al. 2019 definitions)."""
    in_scope = [
        (gold, guess) for gold, guess in zip(labels, predicted, strict=True) if gold != oos_label
    ]
    oos_gold = sum(1 for gold in labels if gold == oos_label)
    oos_guessed = sum(1 for guess in predicted if guess == oos_label)
    oos_hits = sum(
        1 for gold, guess in zip(labels, predicted, strict=True) if gold == guess == oos_label
    )
    return {
        "in_scope_accuracy": sum(g == p for g, p in in_scope) / len(in_scope) if in_scope else 0.0,
        "oos_recall": oos_hits / oos_gold if oos_gold else 0.0,
        "oos_precision": oos_hits / oos_guessed if oos_guessed else 0.0,
    }


def per_intent_scores(
    labels: Sequence[str], predicted: Sequence[str]
) -> dict[str, dict[str, float]]:
    """Precision, recall, F1 and support of every gold or predicted label."""
    from sklearn.metrics import precision_recall_fscore_support

    names = sorted(set(labels) | set(predicted))
    precision, recall, f1, support = precision_recall_fscore_support(
        labels, predicted, labels=names, zero_division=0
    )
    return {
        name: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
        for name, p, r, f, s in zip(names, precision, recall, f1, support, strict=True)
    }


def plot_confusion(labels: Sequence[str], predicted: Sequence[str], path: Path, title: str) -> Path:
    """Row-normalised confusion matrix as a PNG (tick labels only up to 40 intents)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import confusion_matrix

    names = sorted(set(labels) | set(predicted))
    matrix = confusion_matrix(labels, predicted, labels=names, normalize="true")
    size = min(24.0, max(6.0, 0.3 * len(names)))
    figure, axes = plt.subplots(figsize=(size, size))
    image = axes.imshow(matrix, cmap="Blues", vmin=0, vmax=1)
    figure.colorbar(image, ax=axes, fraction=0.046)
    if len(names) <= 40:
        axes.set_xticks(range(len(names)), names, rotation=90, fontsize=7)
        axes.set_yticks(range(len(names)), names, fontsize=7)
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    axes.set_title(title)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path
