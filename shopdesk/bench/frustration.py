"""``shopdesk bench frustration``: precision and recall of offering a person to frustrated
shoppers, on hand-labelled public support messages (docs/frustration-data.md).

The threshold is chosen on the ``tune`` half only: the lowest score whose precision there
reaches the target (most recall at that precision), or the best F1 when none does. Precision
and recall are then measured on the held-out ``test`` half (how often ``test`` has been looked
at is in :data:`TEST_LOOKS`) and, with ``--fresh``, on a second labelled set that played no part
in writing or weighting the scorer (docs/frustration-data.md). The cost per message is CPU time
on one thread.
"""

from __future__ import annotations

import argparse
import csv
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from models.frustration import FrustrationScorer
from shopdesk.bench.metrics import percentile
from shopdesk.settings import NLU_DATA_DIR, PROJECT_ROOT, get_settings

DEFAULT_DATA = NLU_DATA_DIR / "frustration" / "twcs_support_messages.csv"
TARGET_PRECISION = 0.85
TARGET_RECALL = 0.7
#: What else was measured on ``test``, and how often ``test`` has been looked at: the report
#: states it because every look at ``test`` that informs a choice makes its figures optimistic.
TEST_LOOKS = (
    "`test` is not untouched: this scorer was scored there once per change while its phrase "
    "lists were written, and on 2026-11-30 two other scorers were scored there once each and "
    "rejected: a logistic regression over the same signals, VADER and the all-MiniLM-L6-v2 "
    "sentence embedding (precision 0.802, recall 0.616; ~8.4 ms CPU and ~210 MB in the Rasa "
    "server per process for the embedding), and the same logistic regression without the "
    "embedding (threshold chosen on cross-validated `tune` probabilities at precision >= 0.87: "
    "precision 0.825, recall 0.528, ~0.17 ms CPU). With ~85 flagged messages, precision "
    "differences of 0.01-0.03 are within sampling error (about +-0.04); this scorer was kept "
    "because it had the higher precision at comparable recall, costs the same as the cheaper "
    "alternative and has nothing to train. Before that run the hand-weighted scorer without the "
    "`rhetoric` signal had precision 0.837, recall 0.576 at 0.244. The `rhetoric` phrases were "
    "written from the false negatives of `tune` only and the weights refitted there, so the "
    "`tune` figures are in-sample; this run is one more look at `test`, which chose nothing."
)
#: The fresh set: how it was made and looked at (docs/frustration-data.md).
FRESH_LOOKS = (
    "`fresh` was labelled before any scorer was run on it; it was scored once, in this run, "
    "after the scorer and its threshold had been fixed on `tune`; just before, the scorer "
    "without the `rhetoric` signal was scored on it once (a separate script, its own `tune` "
    "threshold 0.244): precision 0.810, recall 0.531 (63 flagged)."
)


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
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            LabelledMessage(
                text=row["text"],
                frustrated=row["frustrated"] == "1",
                split=row["split"],
                company=row.get("company") or "",
            )
            for row in csv.DictReader(handle)
        ]


def quality(scores: Sequence[float], labels: Sequence[bool], threshold: float) -> Quality:
    """How well "score >= threshold" finds the frustrated messages."""
    flagged = [score >= threshold for score in scores]
    hits = sum(f and y for f, y in zip(flagged, labels, strict=True))
    precision = hits / sum(flagged) if any(flagged) else 1.0
    recall = hits / sum(labels) if any(labels) else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Quality(threshold, precision, recall, f1, sum(flagged))


def choose_threshold(
    scores: Sequence[float], labels: Sequence[bool], target_precision: float = TARGET_PRECISION
) -> Quality:
    """The threshold with the most recall at ``target_precision``, else the best F1."""
    candidates = [quality(scores, labels, t) for t in sorted(set(scores)) if t > 0]
    if not candidates:
        return quality(scores, labels, 1.0)
    precise = [q for q in candidates if q.precision >= target_precision]
    if precise:
        return max(precise, key=lambda q: (q.recall, q.precision))
    return max(candidates, key=lambda q: (q.f1, q.precision))


@dataclass(frozen=True)
class FreshResult:
    """The scorer and VADER alone on the fresh set, at the thresholds chosen on ``tune``."""

    path: Path
    messages: int
    frustrated: int
    scorer: Quality
    configured: Quality
    baseline: Quality


def _shown(path: Path) -> Path:
    try:
        return path.relative_to(PROJECT_ROOT)
    except ValueError:
        return path


def _met(result: Quality) -> bool:
    return result.precision >= TARGET_PRECISION and result.recall >= TARGET_RECALL


def _fresh_lines(fresh: FreshResult) -> list[str]:
    rows = [
        ("VADER + signals (models/frustration.py), threshold from `tune`", fresh.scorer),
        ("the same at the bot's setting (SHOPDESK_FRUSTRATION_THRESHOLD)", fresh.configured),
        ("VADER alone (negative compound), threshold from `tune`", fresh.baseline),
    ]
    return [
        "",
        f"**Fresh set** (`{fresh.path.name}`: {fresh.messages} messages, {fresh.frustrated} "
        "frustrated; docs/frustration-data.md). " + FRESH_LOOKS,
        "",
        "| scorer | threshold | fresh precision | fresh recall | fresh F1 | flagged |",
        "|---|---|---|---|---|---|",
        *(
            f"| {name} | {q.threshold:.3f} | **{q.precision:.3f}** | **{q.recall:.3f}** "
            f"| {q.f1:.3f} | {q.flagged} |"
            for name, q in rows
        ),
        "",
        "Goal on the fresh set: " + ("**met**." if _met(fresh.scorer) else "**not met**."),
    ]


def _markdown(
    data: Path,
    tune: Quality,
    test: Quality,
    configured: Quality,
    baseline_tune: Quality,
    baseline_test: Quality,
    counts: dict[str, tuple[int, int]],
    cost_us: dict[str, float],
    fresh: FreshResult | None,
    load: tuple[float, float],
) -> str:
    from shopdesk.bench.report import stamp

    met = _met(test)
    shown = _shown(data)
    lines = [
        "## Frustration: offering a person (`shopdesk bench frustration`)",
        "",
        f"Data: `{shown}` (hand-labelled customer tweets from the public Customer Support on "
        "Twitter corpus, docs/frustration-data.md): "
        + ", ".join(f"{split} {n} messages ({f} frustrated)" for split, (n, f) in counts.items())
        + ". The threshold is chosen on `tune` (most recall at precision "
        f">= {TARGET_PRECISION}); `test` is scored with it. " + TEST_LOOKS,
        "",
        "| scorer | threshold | tune precision | tune recall | test precision | test recall "
        "| test F1 |",
        "|---|---|---|---|---|---|---|",
        f"| VADER + signals (models/frustration.py) | {tune.threshold:.3f} | {tune.precision:.3f} "
        f"| {tune.recall:.3f} | **{test.precision:.3f}** | **{test.recall:.3f}** | {test.f1:.3f} |",
        f"| the same at the bot's setting (SHOPDESK_FRUSTRATION_THRESHOLD) "
        f"| {configured.threshold:.3f} | | | {configured.precision:.3f} "
        f"| {configured.recall:.3f} | {configured.f1:.3f} |",
        f"| VADER alone (negative compound) | {baseline_tune.threshold:.3f} "
        f"| {baseline_tune.precision:.3f} | {baseline_tune.recall:.3f} "
        f"| {baseline_test.precision:.3f} | {baseline_test.recall:.3f} | {baseline_test.f1:.3f} |",
        "",
        f"Goal (precision >= {TARGET_PRECISION} at recall >= {TARGET_RECALL} on test): "
        + ("**met**." if met else "**not met**.")
        + f" Cost per message (one thread): CPU median {cost_us['cpu_p50']:.0f} µs, p99 "
        f"{cost_us['cpu_p99']:.0f} µs; wall median {cost_us['wall_p50']:.0f} µs, p99 "
        f"{cost_us['wall_p99']:.0f} µs.",
        "The corpus has single tweets, so the conversation signals (misunderstood messages in a "
        "row, the same question again) are not exercised here; tests/models/test_frustration.py "
        "and tests/e2e/test_frustration_conversation.py check them.",
        *(_fresh_lines(fresh) if fresh else []),
        "",
        stamp() + f" Load average {load[0]:.1f} at the start, {load[1]:.1f} at the end "
        "(other work shared the cores).",
    ]
    return "\n".join(lines)


def _fresh(
    path: Path, scorer: FrustrationScorer, tune: Quality, baseline_tune: Quality
) -> FreshResult:
    """Score the fresh set once at the thresholds chosen on ``tune``."""
    messages = load_messages(path)
    labels = [m.frustrated for m in messages]
    results = [scorer.score(m.text) for m in messages]
    scores = [r.score for r in results]
    negativity = [max(-r.sentiment, 0.0) for r in results]
    return FreshResult(
        path=path,
        messages=len(messages),
        frustrated=sum(labels),
        scorer=quality(scores, labels, tune.threshold),
        configured=quality(scores, labels, get_settings().frustration_threshold),
        baseline=quality(negativity, labels, baseline_tune.threshold),
    )


def run(args: argparse.Namespace) -> int:
    """Score every message, choose the threshold on tune, report test."""
    data = Path(args.data)
    if not data.is_file():
        print(
            f"No labelled messages at {data}: pass --data with the CSV (docs/frustration-data.md)."
        )
        return 2
    fresh_path = Path(args.fresh) if args.fresh else None
    if fresh_path and not fresh_path.is_file():
        print(f"No fresh labelled messages at {fresh_path} (docs/frustration-data.md).")
        return 2
    load_start = os.getloadavg()[0]
    messages = load_messages(data)
    scorer = FrustrationScorer()
    for message in messages:  # warm-up: the timed pass below measures the steady state
        scorer.score(message.text)
    scores, sentiments, cpu, wall = [], [], [], []
    for message in messages:
        started, started_cpu = time.perf_counter(), time.process_time()
        result = scorer.score(message.text)
        cpu.append((time.process_time() - started_cpu) * 1e6)
        wall.append((time.perf_counter() - started) * 1e6)
        scores.append(result.score)
        sentiments.append(max(-result.sentiment, 0.0))
    halves = {}
    for split in ("tune", "test"):
        chosen = [i for i, m in enumerate(messages) if m.split == split]
        halves[split] = (
            [scores[i] for i in chosen],
            [sentiments[i] for i in chosen],
            [messages[i].frustrated for i in chosen],
        )
    tune_scores, tune_sentiments, tune_labels = halves["tune"]
    test_scores, test_sentiments, test_labels = halves["test"]
    tune = choose_threshold(tune_scores, tune_labels)
    test = quality(test_scores, test_labels, tune.threshold)
    baseline_tune = choose_threshold(tune_sentiments, tune_labels)
    baseline_test = quality(test_sentiments, test_labels, baseline_tune.threshold)
    configured = quality(test_scores, test_labels, get_settings().frustration_threshold)
    counts = {split: (len(labels), sum(labels)) for split, (_, _, labels) in halves.items()}
    cost = {
        "cpu_p50": percentile(cpu, 50),
        "cpu_p99": percentile(cpu, 99),
        "wall_p50": percentile(wall, 50),
        "wall_p99": percentile(wall, 99),
    }
    print(f"threshold (chosen on tune): {tune.threshold:.3f}")
    print(f"tune: precision {tune.precision:.3f} recall {tune.recall:.3f}")
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
        f"cost per message: CPU median {cost['cpu_p50']:.0f} us, p99 {cost['cpu_p99']:.0f} us; "
        f"wall median {cost['wall_p50']:.0f} us, p99 {cost['wall_p99']:.0f} us"
    )
    fresh = _fresh(fresh_path, scorer, tune, baseline_tune) if fresh_path else None
    if fresh:
        print(
            f"fresh ({fresh.messages} messages, {fresh.frustrated} frustrated): precision "
            f"{fresh.scorer.precision:.3f} recall {fresh.scorer.recall:.3f} F1 "
            f"{fresh.scorer.f1:.3f}; VADER alone precision {fresh.baseline.precision:.3f} "
            f"recall {fresh.baseline.recall:.3f}"
        )
    load = (load_start, os.getloadavg()[0])
    if args.write_docs:
        from shopdesk.bench.report import update_section

        markdown = _markdown(
            data, tune, test, configured, baseline_tune, baseline_test, counts, cost, fresh, load
        )
        print(f"Wrote {update_section('frustration', markdown)}")
    return 0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``shopdesk bench frustration``."""
    parser = subparsers.add_parser(
        "frustration", help="frustration scorer: threshold on tune, precision/recall on test"
    )
    parser.add_argument("--data", default=str(DEFAULT_DATA), help="labelled messages (CSV)")
    parser.add_argument(
        "--fresh",
        default=None,
        help="a second labelled CSV (same columns) that chose nothing: scored once, all rows",
    )
    parser.add_argument(
        "--write-docs", action="store_true", help="write the frustration section of benchmarks.md"
    )
    parser.set_defaults(handler=run)
