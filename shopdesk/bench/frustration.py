"""``shopdesk bench frustration``: precision and recall of offering a person to frustrated
shoppers, on hand-labelled public support messages (docs/frustration-data.md).

The model is trained on the ``tune`` half only, exactly as ``shopdesk train`` trains it (the
threshold is chosen there on cross-validated probabilities: most recall at precision >= 0.87),
and precision and recall are then measured once on the held-out ``test`` half at the bot's
default threshold. The cost per message (sentence embedding included, its cache off) is timed
on one thread.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path

from models.frustration import (
    CALIBRATED_THRESHOLD,
    EMBEDDING_MODEL,
    THRESHOLD_PRECISION,
    FrustrationModel,
    FrustrationScorer,
    TextSignals,
)
from models.frustration_training import (
    LabelledMessage,
    Quality,
    choose_threshold,
    load_messages,
    quality,
    train_from_file,
)
from models.torch_threads import torch_threads
from shopdesk.bench.metrics import percentile
from shopdesk.settings import FRUSTRATION_DATA, PROJECT_ROOT, get_settings

DEFAULT_DATA = FRUSTRATION_DATA
TARGET_PRECISION = 0.85
TARGET_RECALL = 0.7
#: Messages scored before timing starts (the first single-text embedding traces the model).
WARM_UP = 20
#: The figures of the scorer this one replaced (VADER + hand-weighted signals), same test half.
PREVIOUS = "VADER + hand-weighted signals (before this model): test precision 0.837, recall 0.576"


def _markdown(
    data: Path,
    model: FrustrationModel,
    tune: Quality,
    test: Quality,
    configured: Quality,
    baseline: tuple[Quality, Quality],
    counts: dict[str, tuple[int, int]],
    cost: dict[str, float],
) -> str:
    from shopdesk.bench.report import stamp

    met = test.precision >= TARGET_PRECISION and test.recall >= TARGET_RECALL
    try:
        shown = data.relative_to(PROJECT_ROOT)
    except ValueError:
        shown = data
    baseline_tune, baseline_test = baseline
    lines = [
        "## Frustration: offering a person (`shopdesk bench frustration`)",
        "",
        f"Data: `{shown}` (hand-labelled customer tweets from the public Customer Support on "
        "Twitter corpus, docs/frustration-data.md): "
        + ", ".join(f"{split} {n} messages ({f} frustrated)" for split, (n, f) in counts.items())
        + ". The model (logistic regression over VADER, the phrase signals and the "
        f"{EMBEDDING_MODEL} sentence embedding, models/frustration.py) is trained on `tune` "
        "only; its threshold is the most recall at cross-validated precision >= "
        f"{THRESHOLD_PRECISION} on `tune` (goal {TARGET_PRECISION} plus a margin for the "
        "sampling error of ~300 messages). `test` is scored once.",
        "",
        "| scorer | threshold | tune precision (cross-validated) | tune recall "
        "| test precision | test recall | test F1 |",
        "|---|---|---|---|---|---|---|",
        f"| learned model (score >= {CALIBRATED_THRESHOLD}: probability >= "
        f"{model.threshold:.3f}) | {CALIBRATED_THRESHOLD} | {tune.precision:.3f} "
        f"| {tune.recall:.3f} | **{test.precision:.3f}** | **{test.recall:.3f}** "
        f"| {test.f1:.3f} |",
        f"| the same at the bot's setting (SHOPDESK_FRUSTRATION_THRESHOLD) "
        f"| {configured.threshold:.3f} | | | {configured.precision:.3f} "
        f"| {configured.recall:.3f} | {configured.f1:.3f} |",
        f"| VADER alone (negative compound, threshold chosen on tune) "
        f"| {baseline_tune.threshold:.3f} | {baseline_tune.precision:.3f} "
        f"| {baseline_tune.recall:.3f} | {baseline_test.precision:.3f} "
        f"| {baseline_test.recall:.3f} | {baseline_test.f1:.3f} |",
        "",
        f"Goal (precision >= {TARGET_PRECISION} at recall >= {TARGET_RECALL} on test): "
        + ("**met**." if met else "**not met**.")
        + f" {PREVIOUS}.",
        f"Cost per message (one thread, embedding cache off, {int(cost['timed'])} test messages): "
        f"CPU median {cost['cpu_p50']:.1f} ms, p99 {cost['cpu_p99']:.1f} ms; wall median "
        f"{cost['wall_p50']:.1f} ms, p99 {cost['wall_p99']:.1f} ms; almost all of it the "
        f"sentence embedding. Training on `tune` (embedding 300 messages, 5-fold "
        f"cross-validation, final fit): {cost['train_s']:.1f} s. Load average "
        f"{cost['load_start']:.1f} at the start, {cost['load_end']:.1f} at the end.",
        "The corpus has single tweets, so the conversation signals (misunderstood messages in a "
        "row, the same question again) are not exercised here; tests/models/test_frustration.py "
        "and tests/e2e/test_frustration_conversation.py check them.",
        "",
        stamp(),
    ]
    return "\n".join(lines)


def _split(messages: Sequence[LabelledMessage], split: str) -> list[LabelledMessage]:
    return [m for m in messages if m.split == split]


def run(args: argparse.Namespace) -> int:
    """Train on tune, score test once, time the scorer."""
    import os

    from retrieval.embeddings import TextEncoder

    data = Path(args.data)
    if not data.is_file():
        print(
            f"No labelled messages at {data}: pass --data with the CSV (docs/frustration-data.md)."
        )
        return 2
    load_start = os.getloadavg()[0]
    messages = load_messages(data)
    tune_messages, test_messages = _split(messages, "tune"), _split(messages, "test")
    with torch_threads(1):
        encoder = TextEncoder(EMBEDDING_MODEL, query_cache_size=0)
        started = time.perf_counter()
        model, tune = train_from_file(data, encoder.encode, EMBEDDING_MODEL)
        train_s = time.perf_counter() - started
        scorer = FrustrationScorer(model, encoder.encode)
        for message in test_messages[:WARM_UP]:
            scorer.score(message.text)
        scores, cpu, wall = [], [], []
        for message in test_messages:
            started, started_cpu = time.perf_counter(), time.process_time()
            scores.append(scorer.score(message.text).score)
            cpu.append((time.process_time() - started_cpu) * 1e3)
            wall.append((time.perf_counter() - started) * 1e3)
    labels = [m.frustrated for m in test_messages]
    test = quality(scores, labels, CALIBRATED_THRESHOLD)
    configured = quality(scores, labels, get_settings().frustration_threshold)
    signals = TextSignals()

    def negativity(part: Sequence[LabelledMessage]) -> list[float]:
        return [signals.read(m.text).sentiment["vader_negativity"] for m in part]

    baseline_tune = choose_threshold(
        negativity(tune_messages), [m.frustrated for m in tune_messages], TARGET_PRECISION
    )
    baseline_test = quality(negativity(test_messages), labels, baseline_tune.threshold)
    counts = {
        name: (len(part), sum(m.frustrated for m in part))
        for name, part in (("tune", tune_messages), ("test", test_messages))
    }
    cost = {
        "timed": float(len(cpu)),
        "cpu_p50": percentile(cpu, 50),
        "cpu_p99": percentile(cpu, 99),
        "wall_p50": percentile(wall, 50),
        "wall_p99": percentile(wall, 99),
        "train_s": train_s,
        "load_start": load_start,
        "load_end": os.getloadavg()[0],
    }
    print(f"threshold (chosen on tune, cross-validated): probability {model.threshold:.3f}")
    print(f"tune (cross-validated): precision {tune.precision:.3f} recall {tune.recall:.3f}")
    print(f"test: precision {test.precision:.3f} recall {test.recall:.3f} F1 {test.f1:.3f}")
    print(
        f"VADER alone: threshold {baseline_tune.threshold:.3f}, test precision "
        f"{baseline_test.precision:.3f} recall {baseline_test.recall:.3f}"
    )
    print(
        f"test at the bot's threshold {configured.threshold:.3f} (SHOPDESK_FRUSTRATION_THRESHOLD): "
        f"precision {configured.precision:.3f} recall {configured.recall:.3f}"
    )
    print(
        f"cost per message: CPU median {cost['cpu_p50']:.1f} ms, p99 {cost['cpu_p99']:.1f} ms; "
        f"wall median {cost['wall_p50']:.1f} ms, p99 {cost['wall_p99']:.1f} ms; "
        f"training {train_s:.1f} s"
    )
    if args.write_docs:
        from shopdesk.bench.report import update_section

        markdown = _markdown(
            data, model, tune, test, configured, (baseline_tune, baseline_test), counts, cost
        )
        print(f"Wrote {update_section('frustration', markdown)}")
    return 0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``shopdesk bench frustration``."""
    parser = subparsers.add_parser(
        "frustration", help="frustration model: trained on tune, precision/recall on test"
    )
    parser.add_argument("--data", default=str(DEFAULT_DATA), help="labelled messages (CSV)")
    parser.add_argument(
        "--write-docs", action="store_true", help="write the frustration section of benchmarks.md"
    )
    parser.set_defaults(handler=run)
