"""``shopdesk bench nlu`` and ``shopdesk bench entities``: intent and entity quality and speed.

``bench nlu`` trains exactly the intent classifier ``rasa train`` trains (the
BertIntentClassifier entry of ``bot/config.yml``) on a labelled split, scores the test set and
measures single-message latency; ``--baseline rasa-diet`` trains Rasa's default pipeline on the
same split through Rasa's own API for a side-by-side row. ``bench entities`` scores the
production entity extractors (catalog lookup tables + ShopAttributeExtractor patterns) on the
annotated NLU test data. JSON shape: docs/nlu-benchmark.md.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import logging
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console

from shopdesk.bench.report import stamp, update_section
from shopdesk.settings import PROJECT_ROOT, get_settings
from storage.demo_store import DEMO_PRODUCT_COUNT

console = Console(stderr=True)
logger = logging.getLogger(__name__)

BOT_CONFIG = PROJECT_ROOT / "bot" / "config.yml"
NLU_TRAIN_DIR = PROJECT_ROOT / "nlu_data" / "train"
NLU_TEST_DIR = PROJECT_ROOT / "nlu_data" / "test"
BERT_COMPONENT = "BertIntentClassifier"
SHOPDESK_MODEL = "shopdesk-bert"
DIET_MODEL = "rasa-diet"
#: Test messages timed one at a time for the latency figures (spread over the test set).
LATENCY_SAMPLES = 300
LATENCY_WARMUP = 20
#: Candidate out-of-scope thresholds tried on validation data.
THRESHOLD_GRID = tuple(round(0.05 * step, 2) for step in range(1, 20))

#: Rasa's default NLU pipeline as ``rasa init`` writes it (Rasa 3.6).
RASA_DEFAULT_PIPELINE: list[dict[str, Any]] = [
    {"name": "WhitespaceTokenizer"},
    {"name": "RegexFeaturizer"},
    {"name": "LexicalSyntacticFeaturizer"},
    {"name": "CountVectorsFeaturizer"},
    {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4},
    {"name": "DIETClassifier", "epochs": 100, "constrain_similarities": True},
    {"name": "EntitySynonymMapper"},
    {"name": "ResponseSelector", "epochs": 100, "constrain_similarities": True},
    {"name": "FallbackClassifier", "threshold": 0.3, "ambiguity_threshold": 0.1},
]

#: Published figures shown beside ours, by data set name (``--dataset``).
PUBLISHED_ANCHORS: dict[str, list[tuple[str, str]]] = {
    "clinc150": [
        ("BERT-base, trained with oos (Larson et al. 2019)", "in-scope 96.9 / oos recall 40.3"),
        ("BERT-base, confidence threshold (Larson et al. 2019)", "in-scope 96.2 / oos recall 52.3"),
        ("Rasa (Larson et al. 2019)", "in-scope 91.5 / oos recall 45.3"),
        ("Dialogflow (Larson et al. 2019)", "in-scope 91.7 / oos recall 14.0"),
    ],
    "banking77": [
        ("BERT fine-tuned, full data (Casanueva et al. 2020)", "accuracy 93.7"),
        ("USE+ConveRT, full data (Casanueva et al. 2020)", "accuracy 93.4"),
    ],
}


class BenchDataError(ValueError):
    """A benchmark input file is missing, empty or not in a supported format."""


@dataclass(frozen=True)
class LabelledSplit:
    """Texts with their intent labels, read from a CSV file or Rasa NLU YAML."""

    texts: list[str]
    labels: list[str]
    source: str
    #: The Rasa training data when read from NLU YAML (entity annotations, lookup tables).
    rasa_data: Any | None = None

    def without(self, label: str) -> LabelledSplit:
        """The same split without the examples of ``label`` (as CSV-like data)."""
        kept = [(text, gold) for text, gold in zip(self.texts, self.labels) if gold != label]
        return LabelledSplit([t for t, _ in kept], [g for _, g in kept], self.source)


@dataclass
class ModelRow:
    """One model's figures in the benchmark report (the JSON ``models`` entry)."""

    model: str
    description: str
    predictions: list[str]
    confidences: list[float]
    train_seconds: float
    train_cpu_seconds: float
    latencies_ms: list[float]
    latencies_cpu_ms: list[float]
    oos_detection: str | None = None
    threshold: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


# ------------------------------------------------------------------ data


def read_split(path: Path) -> LabelledSplit:
    """Read ``text,label`` CSV, or Rasa NLU YAML (a file or a directory of them)."""
    if not path.exists():
        raise BenchDataError(f"{path} does not exist; pass a CSV with text,label or Rasa NLU YAML")
    if path.is_dir() or path.suffix in (".yml", ".yaml"):
        from rasa.shared.nlu.training_data.loading import load_data

        rasa_data = load_data(str(path))
        texts = [example.get("text") for example in rasa_data.intent_examples]
        labels = [example.get("intent") for example in rasa_data.intent_examples]
    else:
        rasa_data = None
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            if not reader.fieldnames or not {"text", "label"} <= set(reader.fieldnames):
                raise BenchDataError(f"{path} needs a header with the columns text and label")
            rows = [(row["text"], row["label"]) for row in reader if row["text"] and row["label"]]
        texts = [text for text, _ in rows]
        labels = [label for _, label in rows]
    if not texts:
        raise BenchDataError(f"{path} holds no labelled examples")
    return LabelledSplit(texts, labels, str(path), rasa_data)


def training_examples(
    train: LabelledSplit, entity_augmentation: int, seed: int, progress: bool = True
) -> tuple[list[str], list[str]]:
    """What ``rasa train`` would train the classifier on for ``train``.

    CSV: the rows as they are. NLU YAML with entity annotations: the examples plus the
    component's entity augmentation, with lookup tables generated from the seeded demo store
    (as ``shopdesk train`` generates them from the shop's catalog).
    """
    from bot.components.bert_intent_classifier import intent_training_examples

    data = train.rasa_data
    if data is None or not entity_augmentation or not data.entity_examples:
        return list(train.texts), list(train.labels)
    from rasa.shared.nlu.training_data.training_data import TrainingData

    tables = demo_lookup_tables(get_settings().demo_seed, DEMO_PRODUCT_COUNT, progress=progress)
    lookups = [{"name": name, "elements": values} for name, values in tables.items() if values]
    texts, labels = intent_training_examples(
        data.merge(TrainingData(lookup_tables=lookups)), entity_augmentation, seed
    )
    return texts, labels


# ----------------------------------------------------------- the classifier


def bert_component_config(config_path: Path = BOT_CONFIG) -> dict[str, Any]:
    """The BertIntentClassifier pipeline entry of the bot's config.yml, defaults filled in."""
    from bot.components.bert_intent_classifier import BertIntentClassifier

    pipeline = yaml.safe_load(config_path.read_text(encoding="utf-8")).get("pipeline") or []
    for entry in pipeline:
        if str(entry.get("name", "")).endswith(BERT_COMPONENT):
            values = {key: value for key, value in entry.items() if key != "name"}
            return {**BertIntentClassifier.get_default_config(), **values}
    raise BenchDataError(f"{config_path} has no {BERT_COMPONENT} in its pipeline")


def fallback_threshold(config_path: Path = BOT_CONFIG) -> float | None:
    """The FallbackClassifier threshold of the bot's config.yml (``None`` without one)."""
    pipeline = yaml.safe_load(config_path.read_text(encoding="utf-8")).get("pipeline") or []
    for entry in pipeline:
        if entry.get("name") == "FallbackClassifier":
            return float(entry.get("threshold", 0.3))
    return None


def time_single_messages(
    predict: Callable[[str], Any], texts: Sequence[str]
) -> tuple[list[float], list[float]]:
    """Wall-clock and process-CPU milliseconds per call of ``predict`` on single messages.

    CPU time does not grow when other programs compete for the cores, so on a loaded machine it
    is the better estimate of the latency on a quiet one.
    """
    step = max(1, len(texts) // LATENCY_SAMPLES)
    sample = list(texts[::step])[:LATENCY_SAMPLES]
    for text in sample[:LATENCY_WARMUP]:
        predict(text)
    wall, cpu = [], []
    for text in sample:
        started, started_cpu = time.perf_counter(), time.process_time()
        predict(text)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return wall, cpu


def run_shopdesk_classifier(
    train: LabelledSplit,
    evaluated: dict[str, Sequence[str]],
    config_overrides: dict[str, Any] | None = None,
    progress: bool = True,
) -> tuple[ModelRow, dict[str, list[tuple[str, float]]]]:
    """Train the bot's intent classifier on ``train`` and predict every split in ``evaluated``.

    Returns the row for the ``"test"`` split and (top intent, confidence) per split.
    """
    import torch

    from bot.components.bert_intent_classifier import (
        ENTITY_AUGMENTATION,
        BertIntentClassifier,
        _model_config,
    )
    from models.intent_classifier import IntentClassifier

    component = {
        **BertIntentClassifier.get_default_config(),
        **bert_component_config(),
        **(config_overrides or {}),
    }
    config = _model_config(component)
    texts, labels = training_examples(train, component[ENTITY_AUGMENTATION], config.seed, progress)
    started, started_cpu = time.perf_counter(), time.process_time()
    classifier = IntentClassifier.train(texts, labels, config, progress=progress)
    train_seconds = time.perf_counter() - started
    train_cpu_seconds = time.process_time() - started_cpu
    top: dict[str, list[tuple[str, float]]] = {}
    for name, texts in evaluated.items():
        rankings = classifier.predict_batch(list(texts))
        top[name] = [(ranking[0].intent, ranking[0].confidence) for ranking in rankings]
    threads = torch.get_num_threads()
    torch.set_num_threads(get_settings().torch_threads)
    try:
        latencies, latencies_cpu = time_single_messages(classifier.predict, evaluated["test"])
    finally:
        torch.set_num_threads(threads)
    row = ModelRow(
        model=SHOPDESK_MODEL,
        description=(
            f"BertIntentClassifier ({config.base_model}, trainable_layers="
            f"{config.trainable_layers}, inference {config.inference_dtype}), bot/config.yml"
        ),
        predictions=[intent for intent, _ in top["test"]],
        confidences=[confidence for _, confidence in top["test"]],
        train_seconds=train_seconds,
        train_cpu_seconds=train_cpu_seconds,
        latencies_ms=latencies,
        latencies_cpu_ms=latencies_cpu,
        extra={
            "config": config.as_dict(),
            "entity_augmentation": component[ENTITY_AUGMENTATION],
            "training_examples": len(texts),
            "epochs_run": len(classifier.history),
            "latency_threads": get_settings().torch_threads,
            "fallback_calibration": fallback_calibration(
                [(p.label, p.predicted, p.confidence) for p in classifier.validation_predictions]
            ),
        },
    )
    return row, top


def fallback_calibration(validation: Sequence[tuple[str, str, float]]) -> dict[str, Any]:
    """What each FallbackClassifier threshold would do on held-out (label, predicted, confidence).

    A message below the threshold falls back ("rephrase, please"): neutral. Above it, a right
    intent counts +1 and a wrong one -1; the suggested threshold maximises that sum (a wrong
    answer costs as much as a right one gains). Among equally good thresholds the highest is
    suggested: the validation examples come from the training data's own wording, real
    messages are less familiar, and on them asking back is the cheaper mistake.
    """
    rows = []
    for threshold in THRESHOLD_GRID:
        accepted = [
            (gold, guess) for gold, guess, confidence in validation if confidence >= threshold
        ]
        right = sum(gold == guess for gold, guess in accepted)
        rows.append(
            {
                "threshold": threshold,
                "fallback_rate": 1 - len(accepted) / len(validation) if validation else 0.0,
                "accepted_accuracy": right / len(accepted) if accepted else 0.0,
                "utility": right - (len(accepted) - right),
            }
        )
    best = max(rows, key=lambda row: (row["utility"], row["threshold"])) if validation else None
    return {
        "validation_examples": len(validation),
        "validation_accuracy": (
            sum(gold == guess for gold, guess, _ in validation) / len(validation)
            if validation
            else None
        ),
        "suggested_threshold": best["threshold"] if best else None,
        "thresholds": rows,
    }


# -------------------------------------------------------------- Rasa DIET


def _write_rasa_nlu(split: LabelledSplit, path: Path) -> Path:
    """Write ``split`` as Rasa NLU YAML (one block per intent)."""
    by_intent: dict[str, list[str]] = {}
    for text, label in zip(split.texts, split.labels):
        by_intent.setdefault(label, []).append(" ".join(text.split()))
    nlu = [
        {"intent": intent, "examples": "".join(f"- {text}\n" for text in texts)}
        for intent, texts in sorted(by_intent.items())
    ]
    path.write_text(
        yaml.safe_dump({"version": "3.1", "nlu": nlu}, sort_keys=False), encoding="utf-8"
    )
    return path


def run_rasa_diet(
    train: LabelledSplit, evaluated: dict[str, Sequence[str]]
) -> tuple[ModelRow, dict[str, list[tuple[str, float]]]]:
    """Train Rasa's default pipeline with ``rasa.model_training.train_nlu`` and parse every split.

    The top intent is read from ``intent_ranking`` (DIET's own choice, before the
    FallbackClassifier rewrites low-confidence messages to ``nlu_fallback``), so both rows use
    the same threshold rule below.
    """
    from rasa.core.agent import Agent
    from rasa.model_training import train_nlu

    with tempfile.TemporaryDirectory(prefix="shopdesk-diet-") as workdir:
        work = Path(workdir)
        config = work / "config.yml"
        config.write_text(
            yaml.safe_dump(
                {"recipe": "default.v1", "language": "en", "pipeline": RASA_DEFAULT_PIPELINE},
                sort_keys=False,
            ),
            encoding="utf-8",
        )
        data = _write_rasa_nlu(train, work / "nlu.yml")
        started, started_cpu = time.perf_counter(), time.process_time()
        model_path = train_nlu(str(config), str(data), str(work / "models"))
        train_seconds = time.perf_counter() - started
        train_cpu_seconds = time.process_time() - started_cpu
        if not model_path:
            raise BenchDataError("Rasa did not produce a DIET model; its log above says why")
        agent = Agent.load(model_path)

        def parse(text: str) -> tuple[str, float]:
            result = asyncio.run(agent.parse_message(text))
            ranking = result.get("intent_ranking") or [result["intent"]]
            best = next((r for r in ranking if r["name"] != "nlu_fallback"), ranking[0])
            return best["name"], float(best["confidence"])

        top = {
            name: [parse(text) for text in _progress(texts, f"Rasa DIET: parsing {name}")]
            for name, texts in evaluated.items()
        }
        latencies, latencies_cpu = time_single_messages(parse, evaluated["test"])
    row = ModelRow(
        model=DIET_MODEL,
        description="Rasa default pipeline (rasa init): CountVectors + DIETClassifier, 100 epochs",
        predictions=[intent for intent, _ in top["test"]],
        confidences=[confidence for _, confidence in top["test"]],
        train_seconds=train_seconds,
        train_cpu_seconds=train_cpu_seconds,
        latencies_ms=latencies,
        latencies_cpu_ms=latencies_cpu,
        extra={"pipeline": RASA_DEFAULT_PIPELINE, "latency_note": "whole NLU pipeline per message"},
    )
    return row, top


def _progress(items: Sequence[str], description: str) -> Sequence[str]:
    from tqdm.auto import tqdm

    return tqdm(items, desc=description, unit="msg")


# ---------------------------------------------------------------- metrics


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
    in_scope = [(gold, guess) for gold, guess in zip(labels, predicted) if gold != oos_label]
    oos_gold = sum(1 for gold in labels if gold == oos_label)
    oos_guessed = sum(1 for guess in predicted if guess == oos_label)
    oos_hits = sum(1 for gold, guess in zip(labels, predicted) if gold == guess == oos_label)
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
        for name, p, r, f, s in zip(names, precision, recall, f1, support)
    }


def percentile(values: Sequence[float], share: float) -> float:
    """The ``share`` quantile (0..1) of ``values`` by linear interpolation."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    position = (len(ordered) - 1) * share
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


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
        top = list(zip(row.predictions, row.confidences))
        predicted = apply_threshold(top, row.threshold, oos_label)
    labels = test.labels
    accuracy = sum(g == p for g, p in zip(labels, predicted)) / len(labels)
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
        "latency_p50_ms": percentile(row.latencies_ms, 0.5),
        "latency_p95_ms": percentile(row.latencies_ms, 0.95),
        "latency_cpu_p50_ms": percentile(row.latencies_cpu_ms, 0.5),
        "latency_cpu_p95_ms": percentile(row.latencies_cpu_ms, 0.95),
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
        for gold, guess, confidence in zip(labels, predicted, row.confidences)
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
) -> dict[str, Any]:
    """Train and score the shop's classifier (and optionally the baseline); the JSON report.

    ``reused_rows`` are model rows from an earlier report on the same split (e.g. the slow
    DIET baseline), copied into this report unchanged. With ``oos_training`` false, both
    models train without the ``oos_label`` examples and detect out of scope by the threshold.
    """
    full_train = train
    if oos_label is not None and not oos_training:
        train = train.without(oos_label)
    evaluated: dict[str, Sequence[str]] = {"test": test.texts}
    if val is not None:
        evaluated["val"] = val.texts
    runners: list[Callable[[], tuple[ModelRow, dict[str, list[tuple[str, float]]]]]] = []
    if train_shopdesk:
        runners.append(
            lambda: run_shopdesk_classifier(train, evaluated, config_overrides, progress)
        )
    if baseline == DIET_MODEL:
        runners.append(lambda: run_rasa_diet(train, evaluated))
    models: dict[str, Any] = {}
    for runner in runners:
        row, top = runner()
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
    }


def _threshold_for(
    row: ModelRow,
    top: dict[str, list[tuple[str, float]]],
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


# ---------------------------------------------------------------- report


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}"


def _cpu(row: dict[str, Any], key: str, spec: str) -> str:
    """ " (CPU figure)" when the row has it (reports before CPU timing lack it)."""
    return f" ({format(row[key], spec)})" if row.get(key) is not None else ""


def markdown_section(report: dict[str, Any], title: str, anchors: Sequence[tuple[str, str]]) -> str:
    """The docs/benchmarks.md section for one data set."""
    data = report["dataset"]
    lines = [
        f"### NLU: {title}",
        "",
        f"{report['measured']} Train {data['train_examples']} examples / {data['intents']} intents "
        f"(`{Path(data['train']).name}`"
        + (" without its out-of-scope examples" if data.get("oos_training") is False else "")
        + f"), test {data['test_examples']} (`{Path(data['test']).name}`)"
        + (f", oos label `{data['oos_label']}`" if data["oos_label"] else "")
        + (f", threshold chosen on `{Path(data['val']).name}`" if data.get("val") else "")
        + ".",
        "",
        "| model | accuracy | macro-F1 | in-scope acc. | oos recall | oos precision | oos detection "
        "| train s (CPU s) | p50 ms (CPU) | p95 ms (CPU) |",
        "|---|---:|---:|---:|---:|---:|---|---:|---:|---:|",
    ]
    for row in report["models"].values():
        lines.append(
            f"| {row['model']} | {_pct(row['accuracy'])} | {_pct(row['macro_f1'])} "
            f"| {_pct(row['in_scope_accuracy'])} | {_pct(row['oos_recall'])} "
            f"| {_pct(row['oos_precision'])} | {row['oos_detection'] or '–'} "
            f"| {row['train_seconds']:.0f}{_cpu(row, 'train_cpu_seconds', '.0f')} "
            f"| {row['latency_p50_ms']:.1f}{_cpu(row, 'latency_cpu_p50_ms', '.1f')} "
            f"| {row['latency_p95_ms']:.1f}{_cpu(row, 'latency_cpu_p95_ms', '.1f')} |"
        )
    if anchors:
        lines += ["", "Published figures on the same data:", ""]
        lines += [f"- {name}: {figures}" for name, figures in anchors]
    ours = report["models"].get(SHOPDESK_MODEL)
    if ours:
        worst = sorted(
            (scores["f1"], name) for name, scores in ours["per_intent"].items() if scores["support"]
        )[:5]
        lines += [
            "",
            "Weakest intents (shopdesk-bert, F1): "
            + ", ".join(f"`{name}` {100 * f1:.0f}" for f1, name in worst)
            + f". Latency: one message at a time on {ours.get('latency_threads', 1)} thread(s).",
        ]
    return "\n".join(lines)


def _print_summary(report: dict[str, Any]) -> None:
    for row in report["models"].values():
        console.print(
            f"[bold]{row['model']}[/bold]: accuracy {_pct(row['accuracy'])}%, macro-F1 "
            f"{_pct(row['macro_f1'])}, in-scope {_pct(row['in_scope_accuracy'])}, oos recall "
            f"{_pct(row['oos_recall'])}, oos precision {_pct(row['oos_precision'])} "
            f"({row['oos_detection'] or 'no oos'}), trained in {row['train_seconds']:.0f} s, "
            f"latency p50 {row['latency_p50_ms']:.1f} ms / p95 {row['latency_p95_ms']:.1f} ms; "
            f"confusion matrix {row['confusion_png']}"
        )


def _parse_overrides(pairs: Sequence[str]) -> dict[str, Any]:
    overrides = {}
    for pair in pairs:
        key, separator, value = pair.partition("=")
        if not separator:
            raise BenchDataError(f"--set takes KEY=VALUE, got {pair!r}")
        parsed = yaml.safe_load(value)
        if isinstance(parsed, str):
            # YAML 1.1 reads "3e-3" (no dot) as text; a number is meant.
            try:
                parsed = float(parsed)
            except ValueError:
                pass
        overrides[key] = parsed
    return overrides


def _write_section(report: dict[str, Any], section: str, title: str | None) -> None:
    markdown = markdown_section(report, title or section, PUBLISHED_ANCHORS.get(section, []))
    console.print(f"Updated {update_section(f'nlu-{section}', markdown)}")


def cmd_nlu(args: argparse.Namespace) -> int:
    """Handler of ``shopdesk bench nlu``."""
    if args.from_json:
        report = json.loads(Path(args.from_json).read_text(encoding="utf-8"))
        _print_summary(report)
        if args.section:
            _write_section(report, args.section, args.title)
        return 0
    if not args.train or not args.test:
        raise BenchDataError("--train and --test are required (or --from-json REPORT)")
    train, test = read_split(Path(args.train)), read_split(Path(args.test))
    val = read_split(Path(args.val)) if args.val else None
    json_path = Path(args.json) if args.json else None
    png_stem = (
        Path(args.png)
        if args.png
        else (json_path.with_suffix("") if json_path else Path("nlu-confusion"))
    )
    reused = None
    if args.baseline_json:
        earlier = json.loads(Path(args.baseline_json).read_text(encoding="utf-8"))
        if earlier["dataset"]["test_examples"] != len(test.texts):
            raise BenchDataError(f"{args.baseline_json} was measured on another test set")
        reused = {DIET_MODEL: earlier["models"][DIET_MODEL]}
    report = run_benchmark(
        train,
        test,
        val=val,
        oos_label=args.oos_label,
        baseline=args.baseline,
        threshold=args.threshold,
        min_oos_recall=args.min_oos_recall,
        png_stem=png_stem,
        config_overrides=_parse_overrides(args.set or []),
        progress=not args.no_progress,
        reused_rows=reused,
        train_shopdesk=not args.baseline_only,
        oos_training=not args.no_oos_training,
    )
    if json_path:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(report, indent=2), encoding="utf-8")
        console.print(f"Report: {json_path}")
    _print_summary(report)
    if args.section:
        _write_section(report, args.section, args.title)
    return 0


# ---------------------------------------------------------------- entities


#: Entity types the production extractors produce and the benchmark scores.
ENTITY_TYPES = (
    "order_number",
    "email",
    "price_min",
    "price_max",
    "color",
    "product_category",
    "brand",
    "size",
    "zipcode",
)


@dataclass(frozen=True)
class EntitySpan:
    """One entity occurrence: type and character span within one message."""

    entity: str
    start: int
    end: int


def entity_scores(
    gold: Sequence[set[EntitySpan]], found: Sequence[set[EntitySpan]]
) -> dict[str, dict[str, float]]:
    """Precision, recall and F1 per entity type over exact (type, span) matches."""
    counts: dict[str, Counter] = {}
    for gold_spans, found_spans in zip(gold, found):
        for span in gold_spans | found_spans:
            tally = counts.setdefault(span.entity, Counter())
            if span in gold_spans and span in found_spans:
                tally["tp"] += 1
            elif span in found_spans:
                tally["fp"] += 1
            else:
                tally["fn"] += 1
    scores = {}
    for entity, tally in sorted(counts.items()):
        tp, fp, fn = tally["tp"], tally["fp"], tally["fn"]
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores[entity] = {
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "support": tp + fn,
            "true_positives": tp,
            "false_positives": fp,
        }
    return scores


def demo_lookup_tables(seed: int, products: int, progress: bool = True) -> dict[str, list[str]]:
    """Lookup tables generated from a demo store seeded into a throw-away SQLite database."""
    from shopdesk.lookups import catalog_lookup_tables
    from storage.db import create_engine_for, session_factory
    from storage.demo_store import seed_demo_store
    from storage.migrations import upgrade

    with tempfile.TemporaryDirectory(prefix="shopdesk-entities-") as workdir:
        url = f"sqlite:///{Path(workdir) / 'shop.db'}"
        upgrade(url)
        engine = create_engine_for(url)
        try:
            with session_factory(engine)() as session:
                seed_demo_store(
                    session,
                    today=date.today(),
                    seed=seed,
                    product_count=products,
                    progress=progress,
                )
                return catalog_lookup_tables(session)
        finally:
            engine.dispose()


class ProductionEntityExtractors:
    """The entity extractors of bot/config.yml, trained as ``rasa train`` trains them.

    RegexEntityExtractor learns the catalog lookup tables merged with the NLU training data
    (it only uses tables whose name is an annotated entity there), then ShopAttributeExtractor
    adds its patterns. EntitySynonymMapper is left out: it changes values, not spans.
    """

    def __init__(
        self,
        tables: dict[str, list[str]],
        training_data_path: Path = NLU_TRAIN_DIR,
        config_path: Path = BOT_CONFIG,
    ) -> None:
        from rasa.engine.graph import ExecutionContext, GraphSchema
        from rasa.engine.storage.local_model_storage import LocalModelStorage
        from rasa.engine.storage.resource import Resource
        from rasa.nlu.extractors.regex_entity_extractor import RegexEntityExtractor
        from rasa.shared.nlu.training_data.loading import load_data
        from rasa.shared.nlu.training_data.training_data import TrainingData

        from bot.components.shop_attribute_extractor import ShopAttributeExtractor

        pipeline = yaml.safe_load(config_path.read_text(encoding="utf-8")).get("pipeline") or []
        regex_config = next(
            (
                {k: v for k, v in entry.items() if k != "name"}
                for entry in pipeline
                if entry.get("name") == "RegexEntityExtractor"
            ),
            {},
        )
        self._workdir = tempfile.TemporaryDirectory(prefix="shopdesk-extractors-")
        storage = LocalModelStorage(Path(self._workdir.name))
        context = ExecutionContext(GraphSchema({}), "bench")
        self._regex = RegexEntityExtractor.create(
            {**RegexEntityExtractor.get_default_config(), **regex_config},
            storage,
            Resource("regex_entity_extractor"),
            context,
        )
        lookups = [{"name": name, "elements": values} for name, values in tables.items() if values]
        training_data = load_data(str(training_data_path)).merge(
            TrainingData(lookup_tables=lookups)
        )
        self._regex.train(training_data)
        self._attributes = ShopAttributeExtractor.create(
            {}, storage, Resource("attributes"), context
        )

    def extract(self, texts: Sequence[str]) -> list[set[EntitySpan]]:
        """The entity spans the production extractors find in each text."""
        from rasa.shared.nlu.training_data.message import Message

        messages = [Message(data={"text": text}) for text in texts]
        self._attributes.process(self._regex.process(messages))
        return [
            {EntitySpan(e["entity"], e["start"], e["end"]) for e in message.get("entities", [])}
            for message in messages
        ]


def gold_entity_spans(path: Path) -> tuple[list[str], list[set[EntitySpan]]]:
    """Texts of the annotated NLU data at ``path`` and their annotated entity spans."""
    from rasa.shared.nlu.training_data.loading import load_data

    examples = load_data(str(path)).training_examples
    texts = [example.get("text") for example in examples]
    spans = [
        {EntitySpan(e["entity"], e["start"], e["end"]) for e in example.get("entities") or []}
        for example in examples
    ]
    return texts, spans


def run_entity_benchmark(
    test_path: Path, tables: dict[str, list[str]], training_data_path: Path = NLU_TRAIN_DIR
) -> dict[str, Any]:
    """Score the production extractors on the annotated examples at ``test_path``."""
    texts, gold = gold_entity_spans(test_path)
    extractors = ProductionEntityExtractors(tables, training_data_path)
    started = time.perf_counter()
    found = extractors.extract(texts)
    elapsed_ms = (time.perf_counter() - started) * 1000
    misses = [
        {
            "text": text,
            "missed": sorted(f"{s.entity}:{text[s.start : s.end]}" for s in g - f),
            "spurious": sorted(f"{s.entity}:{text[s.start : s.end]}" for s in f - g),
        }
        for text, g, f in zip(texts, gold, found)
        if g != f
    ]
    return {
        "measured": stamp(),
        "test": str(test_path),
        "messages": len(texts),
        "per_entity": entity_scores(gold, found),
        "ms_per_message": elapsed_ms / max(1, len(texts)),
        "errors": misses,
    }


#: Entity types with a quality target (F1 >= 0.9).
ENTITY_TARGETS = ("order_number", "email", "price_min", "price_max", "color", "product_category")


def entity_markdown(report: dict[str, Any]) -> str:
    """The docs/benchmarks.md section of the entity benchmark."""
    lines = [
        "### Entities: production extractors on nlu_data/test",
        "",
        f"{report['measured']} {report['messages']} messages; exact type + span match; "
        "lookup tables generated from the seeded demo store; target F1 ≥ 0.90 for "
        + ", ".join(f"`{name}`" for name in ENTITY_TARGETS)
        + ".",
        "",
        "| entity | precision | recall | F1 | support |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, scores in report["per_entity"].items():
        lines.append(
            f"| `{name}` | {scores['precision']:.2f} | {scores['recall']:.2f} "
            f"| {scores['f1']:.2f} | {scores['support']} |"
        )
    lines += ["", f"Extraction time: {report['ms_per_message']:.2f} ms per message."]
    return "\n".join(lines)


def cmd_entities(args: argparse.Namespace) -> int:
    """Handler of ``shopdesk bench entities``."""
    settings = get_settings()
    tables = demo_lookup_tables(settings.demo_seed, args.products, progress=not args.no_progress)
    report = run_entity_benchmark(Path(args.test), tables, Path(args.train))
    for name, scores in report["per_entity"].items():
        console.print(
            f"{name:18} P {scores['precision']:.2f}  R {scores['recall']:.2f}  "
            f"F1 {scores['f1']:.2f}  (n={scores['support']})"
        )
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(report, indent=2), encoding="utf-8")
    if args.section:
        console.print(f"Updated {update_section('nlu-entities', entity_markdown(report))}")
    return 0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``shopdesk bench nlu`` and ``shopdesk bench entities``."""
    nlu = subparsers.add_parser(
        "nlu", help="train the bot's intent classifier on a split and score it (and Rasa DIET)"
    )
    nlu.add_argument("--train", help="CSV text,label or Rasa NLU YAML (file/dir)")
    nlu.add_argument("--test", help="CSV text,label or Rasa NLU YAML (file/dir)")
    nlu.add_argument(
        "--from-json", help="print (and with --section write) an earlier report instead of training"
    )
    nlu.add_argument("--val", help="validation split: picks the out-of-scope threshold")
    nlu.add_argument("--oos-label", help="label of out-of-scope examples, e.g. oos")
    nlu.add_argument("--threshold", type=float, help="fixed out-of-scope confidence threshold")
    nlu.add_argument(
        "--min-oos-recall",
        type=float,
        help="with --val: choose the threshold with the best in-scope accuracy among those that "
        "keep at least this out-of-scope recall on --val (default: best mean of the two)",
    )
    nlu.add_argument(
        "--no-oos-training",
        action="store_true",
        help="with --oos-label: leave the training set's out-of-scope examples out, so out of "
        "scope is detected by the confidence threshold alone",
    )
    nlu.add_argument("--json", help="write every figure to this JSON file")
    nlu.add_argument("--png", help="confusion-matrix file stem (default: next to --json)")
    nlu.add_argument("--baseline", choices=[DIET_MODEL], help="also train Rasa's default pipeline")
    nlu.add_argument(
        "--baseline-only",
        action="store_true",
        help="train only the --baseline model (its row can then be reused)",
    )
    nlu.add_argument(
        "--baseline-json",
        help="copy the rasa-diet row from an earlier JSON report "
        "of the same split instead of training it again",
    )
    nlu.add_argument(
        "--set",
        action="append",
        metavar="KEY=VALUE",
        help="override a BertIntentClassifier setting for an experiment (repeatable)",
    )
    nlu.add_argument(
        "--section",
        help="write docs/benchmarks.md section nlu-SECTION "
        "(clinc150 and banking77 add the published figures)",
    )
    nlu.add_argument("--title", help="heading of the docs section")
    nlu.add_argument("--no-progress", action="store_true", help="no progress bars")
    nlu.set_defaults(handler=cmd_nlu)

    entities = subparsers.add_parser(
        "entities", help="precision/recall/F1 of the production entity extractors"
    )
    entities.add_argument(
        "--test", default=str(NLU_TEST_DIR), help="annotated Rasa NLU YAML (file or directory)"
    )
    entities.add_argument(
        "--train",
        default=str(NLU_TRAIN_DIR),
        help="NLU training data the extractors learn entity names from",
    )
    entities.add_argument(
        "--products",
        type=int,
        default=DEMO_PRODUCT_COUNT,
        help="products in the seeded demo store the lookup tables come from",
    )
    entities.add_argument("--json", help="write the figures and every error to this JSON file")
    entities.add_argument(
        "--section",
        action="store_true",
        help="write the nlu-entities section of docs/benchmarks.md",
    )
    entities.add_argument("--no-progress", action="store_true", help="no progress bars")
    entities.set_defaults(handler=cmd_entities)
