"""One benchmark run: train the models on a split, choose the out-of-scope threshold, score."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from shopdesk.bench.metrics import percentile
from shopdesk.bench.nlu.data import LabelledSplit
from shopdesk.bench.nlu.intent_metrics import (
    apply_threshold,
    choose_oos_threshold,
    oos_figures,
    per_intent_scores,
    plot_confusion,
)
from shopdesk.bench.nlu.rasa_diet import DIET_MODEL, run_rasa_diet
from shopdesk.bench.nlu.runs import ModelRow, TopPredictions
from shopdesk.bench.nlu.shopdesk_classifier import (
    SHOPDESK_MODEL,
    fallback_threshold,
    run_shopdesk_classifier,
)
from shopdesk.bench.report import stamp


def score_row(
    row: ModelRow,
    test: LabelledSplit,
    oos_label: str | None,
    png_path: Path,
) -> dict[str, Any]:
    """Every figure of one model row, as stored in the JSON report."""
    from sklearn.metrics import f1_score

    predicted = row.predictions
    if oos_label is not None:
        top = list(zip(row.predictions, row.confidences, strict=True))
        predicted = apply_threshold(top, row.threshold, oos_label)
    labels = test.labels
    accuracy = sum(g == p for g, p in zip(labels, predicted, strict=True)) / len(labels)
    figures: dict[str, Any] = {
        "model": row.model,
        "description": row.description,
        "accuracy": accuracy,
        "macro_f1": float(f1_score(labels, predicted, average="macro", zero_division=0)),
        "in_scope_accuracy": None,
        "oos_recall": None,
        "oos_precision": None,
        "oos_detection": row.oos_detection,
        "oos_threshold": row.threshold,
        "train_seconds": row.train_seconds,
        "train_cpu_seconds": row.train_cpu_seconds,
        "latency_p50_ms": percentile(row.latencies_ms, 50),
        "latency_p95_ms": percentile(row.latencies_ms, 95),
        "latency_cpu_p50_ms": percentile(row.latencies_cpu_ms, 50),
        "latency_cpu_p95_ms": percentile(row.latencies_cpu_ms, 95),
        "latency_samples": len(row.latencies_ms),
    }
    if oos_label is not None:
        figures.update(oos_figures(labels, predicted, oos_label))
    figures["per_intent"] = per_intent_scores(labels, predicted)
    figures["confusion_png"] = str(
        plot_confusion(labels, predicted, png_path, f"{row.model} on {Path(test.source).name}")
    )
    figures["predictions"] = [
        {"label": gold, "predicted": guess, "confidence": confidence}
        for gold, guess, confidence in zip(labels, predicted, row.confidences, strict=True)
    ]
    figures.update(row.extra)
    return figures


def _oos_detection(
    train: LabelledSplit, oos_label: str, threshold: float | None, oos_training: bool = True
) -> str:
    parts = []
    oos_examples = sum(1 for label in train.labels if label == oos_label)
    if oos_examples and oos_training:
        parts.append(f"learned from {oos_examples} training examples")
    if threshold is not None:
        parts.append(f"confidence threshold {threshold:.2f}")
    if oos_examples and not oos_training:
        parts.append(f"its {oos_examples} oos training examples left out")
    return " + ".join(parts) or "none (no oos training examples, no threshold)"


def run_benchmark(
    train: LabelledSplit,
    test: LabelledSplit,
    *,
    val: LabelledSplit | None = None,
    oos_label: str | None = None,
    baseline: str | None = None,
    threshold: float | None = None,
    min_oos_recall: float | None = None,
    png_stem: Path = Path("nlu-confusion"),
    config_overrides: dict[str, Any] | None = None,
    progress: bool = True,
    reused_rows: dict[str, Any] | None = None,
    train_shopdesk: bool = True,
    oos_training: bool = True,
    external: LabelledSplit | None = None,
) -> dict[str, Any]:
    """Train and score the shop's classifier (and optionally the baseline); the JSON report.

    ``reused_rows`` are model rows from an earlier report on the same split (e.g. the slow
    DIET baseline), copied into this report unchanged. With ``oos_training`` false, both
    models train without the ``oos_label`` examples and detect out of scope by the threshold.
    ``external`` is a second test set scored with the same trained models (``external`` key).
    """
    full_train = train
    if oos_label is not None and not oos_training:
        train = train.without(oos_label)
    evaluated: dict[str, Sequence[str]] = {"test": test.texts}
    if val is not None:
        evaluated["val"] = val.texts
    if external is not None:
        evaluated["external"] = external.texts
    runners: list[Callable[[], tuple[ModelRow, TopPredictions]]] = []
    if train_shopdesk:
        runners.append(
            lambda: run_shopdesk_classifier(train, evaluated, config_overrides, progress)
        )
    if baseline == DIET_MODEL:
        runners.append(lambda: run_rasa_diet(train, evaluated))
    models: dict[str, Any] = {}
    external_rows: dict[str, Any] = {}
    for runner in runners:
        row, top = runner()
        if external is not None:
            external_rows[row.model] = score_external(external, top["external"])
        if oos_label is not None:
            row.threshold = _threshold_for(row, top, val, oos_label, threshold, min_oos_recall)
            row.oos_detection = _oos_detection(full_train, oos_label, row.threshold, oos_training)
            row.extra["threshold_source"] = (
                "--threshold"
                if threshold is not None
                else f"chosen on --val (best in-scope accuracy with oos recall >= {min_oos_recall})"
                if val is not None and min_oos_recall is not None
                else "chosen on --val (best mean of in-scope accuracy and oos recall)"
                if val is not None
                else "FallbackClassifier in bot/config.yml"
                if row.threshold is not None
                else "none"
            )
            if val is not None:
                # The figures to choose settings by: the test set stays unseen until the end.
                row.extra["val"] = oos_figures(
                    val.labels, apply_threshold(top["val"], row.threshold, oos_label), oos_label
                )
        png = png_stem.with_name(f"{png_stem.name}-{row.model}.png")
        models[row.model] = score_row(row, test, oos_label, png)
    for name, row_figures in (reused_rows or {}).items():
        models.setdefault(name, {**row_figures, "reused_from_earlier_run": True})
    return {
        "measured": stamp(),
        "dataset": {
            "train": train.source,
            "test": test.source,
            "val": val.source if val else None,
            "train_examples": len(train.texts),
            "oos_training": oos_training if oos_label is not None else None,
            "test_examples": len(test.texts),
            "intents": len(set(train.labels)),
            "oos_label": oos_label,
        },
        "models": models,
        **(
            {
                "external": {
                    "test": external.source,
                    "examples": len(external.texts),
                    "models": external_rows,
                }
            }
            if external is not None
            else {}
        ),
    }


def score_external(external: LabelledSplit, top: Sequence[tuple[str, float]]) -> dict[str, Any]:
    """Accuracy of one model on the outside set: top-1, and top-1 above the bot's fallback.

    ``understood`` counts a request only when the top intent is right and its confidence reaches
    the FallbackClassifier threshold of bot/config.yml (below it the bot asks back instead).
    """
    from sklearn.metrics import f1_score

    fallback = fallback_threshold() or 0.0
    labels = external.labels
    predicted = [intent for intent, _ in top]
    right = [gold == guess for gold, guess in zip(labels, predicted, strict=True)]
    understood = [
        ok and confidence >= fallback for ok, (_, confidence) in zip(right, top, strict=True)
    ]
    return {
        "accuracy": sum(right) / len(labels),
        "understood": sum(understood) / len(labels),
        "fallback_threshold": fallback,
        "fallback_rate": sum(confidence < fallback for _, confidence in top) / len(labels),
        "macro_f1": float(f1_score(labels, predicted, average="macro", zero_division=0)),
        "per_intent": per_intent_scores(labels, predicted),
        "predictions": [
            {"text": text, "label": gold, "predicted": guess, "confidence": confidence}
            for text, gold, (guess, confidence) in zip(external.texts, labels, top, strict=True)
        ],
    }


def _threshold_for(
    row: ModelRow,
    top: TopPredictions,
    val: LabelledSplit | None,
    oos_label: str,
    explicit: float | None,
    min_oos_recall: float | None = None,
) -> float | None:
    if explicit is not None:
        return explicit
    if val is not None:
        return choose_oos_threshold(val.labels, top["val"], oos_label, min_oos_recall)
    return fallback_threshold() if row.model == SHOPDESK_MODEL else None
