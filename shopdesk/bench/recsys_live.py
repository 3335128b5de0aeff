"""``shopdesk bench recsys --live``: the recommender as shoppers use it, one event at a time.

A sample of test users is held out. At the start each test user's first half is known (it is
in the training data, like a returning shopper's past visits) and the model is trained once
and then frozen. Each test user's second half is then replayed event by event: before each
event the recommender ranks every item for the history so far and the event's item is the
target. Three ways to rank are compared on the same events:

* **live fold-in**: the history up to the event, folded in at request time (what the bot
  does with a conversation's stored events: no retraining),
* **frozen**: the history known at the start only (what a shop that waits for the next
  retraining shows), the items seen since still left out of the ranking,
* **popularity**.

Every target is ranked against all items with the history's items left out (as in the
leave-one-out benchmark). The cost per event is the wall time of one ``recommend(history,
n=10)`` call (fold-in, scoring of all items, top 10 with reasons), on a sample of events.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from shopdesk.bench.metrics import percentile

#: Events whose ``recommend()`` call is timed.
COST_SAMPLE = 300


@dataclass(frozen=True)
class LiveSplit:
    """Training sequences (test users' first halves included) and each test user's replay."""

    train: list[list[int]]
    #: Per test user: (history known at the start, events replayed afterwards).
    replays: list[tuple[list[int], list[int]]]


def live_split(sequences: Sequence[Sequence[int]], users: int, seed: int = 0) -> LiveSplit:
    """Hold out up to ``users`` users with at least 4 events (a seeded sample): their first
    half is training data, their second half is replayed."""
    eligible = [i for i, s in enumerate(sequences) if len(s) >= 4]
    rng = np.random.default_rng(seed)
    chosen = set(rng.choice(eligible, size=min(users, len(eligible)), replace=False).tolist())
    train, replays = [], []
    for i, sequence in enumerate(sequences):
        items = list(sequence)
        if i in chosen:
            known = len(items) // 2
            train.append(items[:known])
            replays.append((items[:known], items[known:]))
        else:
            train.append(items)
    return LiveSplit(train, replays)


def replay(recommender: Any, split: LiveSplit) -> dict[str, Any]:
    """HR@10/NDCG@10 of live fold-in, frozen and popularity over every replayed event, and the
    cost of one ``recommend()`` per event."""
    from models.recommender.evaluation import ranking_metrics, ranks_in_batches, target_ranks

    live_cases, start_histories = [], []
    for known, events in split.replays:
        for step, target in enumerate(events):
            index = recommender.index_of(target)
            if index is None:
                continue
            live_cases.append((recommender.indices(known + events[:step]), index))
            start_histories.append(recommender.indices(known))
    live = ranks_in_batches(recommender.score_histories, live_cases)
    frozen_parts = []
    for begin in range(0, len(live_cases), 1024):
        chunk = live_cases[begin : begin + 1024]
        scores = recommender.score_histories(start_histories[begin : begin + 1024])
        frozen_parts.append(target_ranks(scores, chunk))
    frozen = np.concatenate(frozen_parts) if frozen_parts else np.zeros(0, dtype=np.int64)
    popularity = np.log1p(recommender.popularity)
    popular = ranks_in_batches(lambda h: np.tile(popularity, (len(h), 1)), live_cases)
    return {
        "events": len(live_cases),
        "test_users": len(split.replays),
        "live": ranking_metrics(live, (10,)),
        "frozen": ranking_metrics(frozen, (10,)),
        "popularity": ranking_metrics(popular, (10,)),
        "cost_ms": _cost_ms(recommender, split),
    }


def _cost_ms(recommender: Any, split: LiveSplit) -> dict[str, float]:
    """Milliseconds of one ``recommend(history, n=10)`` per event, on a seeded sample of events."""
    events = [
        known + replayed[:step]
        for known, replayed in split.replays
        for step in range(len(replayed))
    ]
    if not events:
        return {"mean": 0.0, "p95": 0.0}
    rng = np.random.default_rng(1)
    sample = rng.choice(len(events), size=min(COST_SAMPLE, len(events)), replace=False)
    recommender.recommend(events[int(sample[0])], n=10)  # warm-up
    timings = []
    for row in sample:
        started = time.perf_counter()
        recommender.recommend(events[int(row)], n=10)
        timings.append((time.perf_counter() - started) * 1000.0)
    return {"mean": round(float(np.mean(timings)), 2), "p95": round(percentile(timings, 95), 2)}


def markdown(metrics: dict[str, Any], data_name: str, note: str) -> str:
    """The ``recsys-live`` section of docs/benchmarks.md."""
    from shopdesk.bench.report import stamp_with_load

    rows = ["| Ranking | HR@10 | NDCG@10 |", "|---|---|---|"]
    for key, label in (
        ("live", "**live fold-in** (history up to the event)"),
        ("frozen", "frozen (history known at the start)"),
        ("popularity", "popularity"),
    ):
        values = metrics[key]
        rows.append(f"| {label} | {values['hr@10']:.4f} | {values['ndcg@10']:.4f} |")
    cost = metrics["cost_ms"]
    return "\n".join(
        [
            "## Recommender with live behaviour (`shopdesk bench recsys --live`)",
            "",
            stamp_with_load(metrics["threads"], metrics["load_average"], note),
            "",
            f"Data: `{data_name}` ({metrics['users']} users, {metrics['items']} items). "
            f"{metrics['test_users']} test users sampled (seeded) among those with at least 4 "
            "events; their first half is known at the start (in the training data), their "
            f"second half ({metrics['events']} events) is replayed one event at a time against "
            "the model trained once at the start and frozen. Each event's item is ranked "
            "against all items, the history's items left out.",
            "",
            *rows,
            "",
            f"Cost per event (one `recommend(history, n=10)`: fold-in, scoring all items, top "
            f"10 with reasons): {cost['mean']} ms mean, {cost['p95']} ms p95 "
            f"({min(COST_SAMPLE, metrics['events'])} events timed). Training once at the start: "
            f"{metrics['train_seconds']} s.",
        ]
    )


def run(
    args: Any, sequences: list[list[int]], products: list[int], embeddings: Any, data_name: str
) -> int:
    """Train once on the live split, replay the test users' events, print and save the results."""
    import json
    from pathlib import Path

    from rich.console import Console

    from models.recommender import Recommender, RecommenderConfig, SequentialConfig
    from models.recommender.data import sequence_interactions

    console = Console(stderr=True)
    load_before = os.getloadavg()[0]
    split = live_split(sequences, args.users)
    sequential = SequentialConfig(time_budget=args.time_budget)
    if args.epochs is not None:
        sequential = SequentialConfig(epochs=args.epochs, time_budget=args.time_budget)
    recommender = Recommender(RecommenderConfig(sequential=sequential))
    started = time.monotonic()
    recommender.fit(
        sequence_interactions(split.train),
        products=products,
        embeddings=embeddings,
        progress=not args.quiet,
        threads=args.threads,
    )
    train_seconds = time.monotonic() - started
    metrics = replay(recommender, split)
    metrics.update(
        {
            "train_seconds": round(train_seconds, 1),
            "users": len(sequences),
            "items": len(products),
            "threads": args.threads,
            "load_average": [round(load_before, 1), round(os.getloadavg()[0], 1)],
        }
    )
    console.print(
        f"{metrics['events']} events of {metrics['test_users']} test users: "
        + "; ".join(
            f"{key} hr@10={metrics[key]['hr@10']:.4f} ndcg@10={metrics[key]['ndcg@10']:.4f}"
            for key in ("live", "frozen", "popularity")
        )
        + f"; cost per event {metrics['cost_ms']['mean']} ms mean, "
        f"{metrics['cost_ms']['p95']} ms p95; trained in {metrics['train_seconds']} s"
    )
    if args.json:
        Path(args.json).write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    if args.write_docs:
        from shopdesk.bench.report import update_section

        update_section("recsys-live", markdown(metrics, data_name, args.note))
    return 0
