"""``shopdesk bench recsys``: the recommender on a public sequence data set (e.g. Amazon Beauty).

Protocol: leave-one-out (last item per shopper for test, second last for validation, the rest
for training); every target is ranked against ALL items, with the shopper's history items
left out (as SASRec/S3-Rec/ICLRec evaluate; no sampled negatives). The validation split picks
the sequential model's epoch and the blend weights; the test split is only scored once.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console

from shopdesk.bench.metrics import percentile

console = Console(stderr=True)

#: Published full-ranking results on Amazon Beauty (HR@10, NDCG@10), ICLRec paper (WWW 2022).
BEAUTY_ANCHORS = (
    ("PopRec", 0.0152, 0.0068),
    ("SASRec", 0.0605, 0.0318),
    ("S3-Rec", 0.0647, 0.0327),
    ("ICLRec", 0.0744, 0.0403),
)
GOAL = {"hr@10": 0.075, "ndcg@10": 0.041, "train_seconds": 600.0, "latency_ms": 10.0}
LATENCY_SAMPLE = 300


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``shopdesk bench recsys``."""
    parser = subparsers.add_parser(
        "recsys", help="recommender: leave-one-out HR/NDCG@5/10/20 over all items"
    )
    parser.add_argument(
        "--data", required=True, help="sequences, one 'user item item ...' per line"
    )
    parser.add_argument("--json", help="also write the metrics to this JSON file")
    parser.add_argument(
        "--attributes",
        help="item attributes JSON ({item: [attribute ids]}) used as content embeddings "
        "(default: <data stem>_item2attributes.json next to --data, when present)",
    )
    parser.add_argument("--epochs", type=int, default=None, help="most sequential-model epochs")
    parser.add_argument(
        "--time-budget", type=float, default=420.0, help="seconds for the sequential model"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="PyTorch threads (default 1: on a busy 2-core machine 2 threads were 6x slower)",
    )
    parser.add_argument(
        "--write-docs", action="store_true", help="write the recsys section of docs/benchmarks.md"
    )
    parser.add_argument(
        "--note", default="", help="a remark for the report, e.g. that the machine was loaded"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.add_argument(
        "--live",
        action="store_true",
        help="replay held-out users' histories event by event with live fold-in against a "
        "model frozen at the start (docs/recommender.md)",
    )
    parser.add_argument(
        "--users", type=int, default=2000, help="test users sampled for --live (default 2000)"
    )
    parser.set_defaults(handler=run)


def attribute_embeddings(path: Path, items: Sequence[int]) -> np.ndarray:
    """One TF-IDF-weighted multi-hot row per item from an ``{item: [attribute, ...]}`` JSON file."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    attributes = {int(item): [int(a) for a in values] for item, values in raw.items()}
    vocabulary = sorted({a for values in attributes.values() for a in values})
    column = {a: i for i, a in enumerate(vocabulary)}
    matrix = np.zeros((len(items), max(1, len(vocabulary))), dtype=np.float32)
    for row, item in enumerate(items):
        for attribute in attributes.get(int(item), ()):
            matrix[row, column[attribute]] = 1.0
    document_frequency = matrix.sum(axis=0)
    return matrix * np.log((1 + len(items)) / (1 + document_frequency))


def run(args: argparse.Namespace) -> int:
    """Train on the data set, evaluate, print and optionally save the results."""
    import torch

    from models.recommender import Recommender, RecommenderConfig, SequentialConfig
    from models.recommender.data import read_sequences, sequence_interactions
    from models.recommender.evaluation import leave_one_out, ranking_metrics, ranks_in_batches

    torch.set_num_threads(args.threads)
    load_before = os.getloadavg()[0]
    data = Path(args.data)
    if not data.is_file():
        console.print(
            f"[red]No data file {data}[/]: give a file with one 'user item item ...' line per user."
        )
        return 2
    with data.open(encoding="utf-8") as lines:
        sequences = read_sequences(lines)
    split = leave_one_out(sequences)
    products = sorted({item for sequence in sequences for item in sequence})
    attributes = (
        Path(args.attributes)
        if args.attributes
        else data.with_name(f"{data.stem}_item2attributes.json")
    )
    embeddings = attribute_embeddings(attributes, products) if attributes.is_file() else None
    if args.live:
        from shopdesk.bench import recsys_live

        return recsys_live.run(args, sequences, products, embeddings, data.name)

    sequential = SequentialConfig(time_budget=args.time_budget)
    if args.epochs is not None:
        sequential = SequentialConfig(epochs=args.epochs, time_budget=args.time_budget)
    recommender = Recommender(RecommenderConfig(sequential=sequential))
    progress = not args.quiet
    started = time.monotonic()
    report = recommender.fit(
        sequence_interactions(split.train),
        products=products,
        embeddings=embeddings,
        validation=split.validation,
        progress=progress,
    )
    fit_seconds = time.monotonic() - started
    weights = recommender.tune_weights(split.validation)
    # At test time the validation items are part of the known history (as in SASRec's
    # evaluation): the quick signals are re-learned with them; the sequence model is kept.
    recommender.refresh_signals(
        sequence_interactions(
            [history + [target] for history, target in split.validation] + split.short
        )
    )
    train_seconds = time.monotonic() - started
    console.print(f"Trained in {train_seconds:.0f} s; blend weights {weights}")

    def cases(pairs):
        return [
            (recommender.indices(history), recommender.index_of(target))
            for history, target in pairs
        ]

    test_cases = cases(split.test)
    metrics: dict[str, Any] = ranking_metrics(
        ranks_in_batches(recommender.score_histories, test_cases)
    )
    popularity = np.log1p(recommender.popularity)
    pop_metrics = ranking_metrics(
        ranks_in_batches(lambda histories: np.tile(popularity, (len(histories), 1)), test_cases)
    )
    latency = _latency_ms(recommender, split.test)
    load_after = os.getloadavg()[0]
    metrics.update(
        {
            "train_seconds": round(train_seconds, 1),
            "fit_seconds": round(fit_seconds, 1),
            "latency_ms_mean": round(float(np.mean(latency)), 2),
            "latency_ms_p95": round(percentile(latency, 95), 2),
            "load_average": [round(load_before, 1), round(load_after, 1)],
            "threads": args.threads,
            "users": len(sequences),
            "items": len(products),
            "interactions": sum(len(s) for s in sequences),
            "test_cases": len(test_cases),
            "validation_ndcg@10": recommender.metadata.get("tuned_validation_ndcg"),
            "poprec": pop_metrics,
            "weights": weights.as_dict(),
            "sequential_epochs_limit": sequential.epochs,
            "content_embeddings": str(attributes.name) if embeddings is not None else None,
            "fit": {"shoppers": report.shoppers, "interactions": report.interactions},
        }
    )
    _print(metrics)
    if args.json:
        Path(args.json).write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    if args.write_docs:
        from shopdesk.bench.report import update_section

        update_section("recsys", _markdown(metrics, data.name, args.note))
    return 0


def _latency_ms(recommender: Any, test: Sequence[tuple[list[int], int]]) -> list[float]:
    """Milliseconds of one ``recommend(history, n=10)`` call, for a sample of test shoppers."""
    rng = np.random.default_rng(0)
    sample = rng.choice(len(test), size=min(LATENCY_SAMPLE, len(test)), replace=False)
    recommender.recommend(test[int(sample[0])][0], n=10)  # warm-up
    timings = []
    for row in sample:
        started = time.perf_counter()
        recommender.recommend(test[int(row)][0], n=10)
        timings.append((time.perf_counter() - started) * 1000.0)
    return timings


def _print(metrics: dict[str, Any]) -> None:
    console.print(
        "test  "
        + "  ".join(
            f"{k}={metrics[k]:.4f}"
            for k in ("hr@5", "hr@10", "hr@20", "ndcg@5", "ndcg@10", "ndcg@20")
        )
    )
    console.print(
        f"valid ndcg@10={metrics['validation_ndcg@10']:.4f}; "
        f"poprec hr@10={metrics['poprec']['hr@10']:.4f}; train {metrics['train_seconds']} s; "
        f"latency {metrics['latency_ms_mean']} ms mean, {metrics['latency_ms_p95']} ms p95"
    )


def _markdown(metrics: dict[str, Any], data_name: str, note: str) -> str:
    from shopdesk.bench.report import stamp_with_load

    def met(value: float, goal: float, higher: bool = True) -> str:
        return "yes" if (value >= goal if higher else value <= goal) else "**no**"

    rows = [
        "| Model | HR@5 | HR@10 | HR@20 | NDCG@5 | NDCG@10 | NDCG@20 |",
        "|---|---|---|---|---|---|---|",
    ]
    rows += [
        f"| {name} (published) | | {hr:.4f} | | | {nd:.4f} | |" for name, hr, nd in BEAUTY_ANCHORS
    ]
    pop = metrics["poprec"]
    rows.append(
        "| PopRec (ours) | "
        + " | ".join(
            f"{pop[k]:.4f}" for k in ("hr@5", "hr@10", "hr@20", "ndcg@5", "ndcg@10", "ndcg@20")
        )
        + " |"
    )
    rows.append(
        "| **shopdesk recommender** | "
        + " | ".join(
            f"**{metrics[k]:.4f}**"
            for k in ("hr@5", "hr@10", "hr@20", "ndcg@5", "ndcg@10", "ndcg@20")
        )
        + " |"
    )
    weights = ", ".join(f"{k} {v:g}" for k, v in metrics["weights"].items())
    hr10, ndcg10, train = metrics["hr@10"], metrics["ndcg@10"], metrics["train_seconds"]
    p95 = metrics["latency_ms_p95"]
    lines = [
        "## Recommender (`shopdesk bench recsys`)",
        "",
        stamp_with_load(metrics["threads"], metrics["load_average"], note),
        "",
        f"Data: `{data_name}` ({metrics['users']} users, {metrics['items']} items, "
        f"{metrics['interactions']} interactions). Leave-one-out: last item per user for test, "
        "second last for validation; each target ranked against **all** items (no sampled "
        "negatives), the user's history items excluded from the ranking as in "
        "SASRec/S3-Rec/ICLRec evaluation. Ties count against the target. The validation split "
        "chose the sequential model's epoch and the blend weights; the test split was scored once.",
        "",
        *rows,
        "",
        "| Goal | Target | Measured | Met |",
        "|---|---|---|---|",
        f"| HR@10 | ≥ {GOAL['hr@10']} | {hr10:.4f} | {met(hr10, GOAL['hr@10'])} |",
        f"| NDCG@10 | ≥ {GOAL['ndcg@10']} | {ndcg10:.4f} | {met(ndcg10, GOAL['ndcg@10'])} |",
        f"| training (fit + weight tuning) | ≤ {GOAL['train_seconds']:.0f} s "
        f"| {train} s | {met(train, GOAL['train_seconds'], higher=False)} |",
        f"| `recommend()` for one user | ≤ {GOAL['latency_ms']:.0f} ms "
        f"| {metrics['latency_ms_mean']} ms mean, {p95} ms p95 "
        f"| {met(p95, GOAL['latency_ms'], higher=False)} |",
        "",
        f"Blend weights chosen on validation: {weights} (validation NDCG@10 "
        f"{metrics['validation_ndcg@10']:.4f} on a sample of up to 4000 users). "
        f"Content embeddings: {metrics['content_embeddings'] or 'none'}.",
    ]
    return "\n".join(lines)
