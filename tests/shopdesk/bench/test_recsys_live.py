"""``shopdesk bench recsys --live`` on a small synthetic set the test writes itself."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from shopdesk.bench.recsys_live import live_split, markdown
from shopdesk.cli import main

ITEMS = 60


def write_cycles(path: Path, users: int = 300) -> None:
    """Every user walks the items in one cycle (1 -> 2 -> ... -> 60 -> 1) from a random start:
    the next item follows from the latest one, so only a ranking that sees the latest event
    can find it."""
    rng = np.random.default_rng(0)
    lines = []
    for user in range(1, users + 1):
        start, length = int(rng.integers(0, ITEMS)), int(rng.integers(6, 13))
        items = [(start + step) % ITEMS + 1 for step in range(length)]
        lines.append(" ".join(map(str, [user, *items])))
    path.write_text("\n".join(lines) + "\n")


def test_the_split_keeps_the_first_half_of_test_users_for_training() -> None:
    sequences = [[1, 2, 3, 4, 5, 6], [7, 8], [9, 10, 11, 12, 13]]
    split = live_split(sequences, users=5)
    assert split.replays == [([1, 2, 3], [4, 5, 6]), ([9, 10], [11, 12, 13])]
    assert split.train == [[1, 2, 3], [7, 8], [9, 10]]


def test_live_fold_in_finds_the_next_item_that_a_frozen_history_misses(tmp_path: Path) -> None:
    data, out = tmp_path / "cycles.txt", tmp_path / "live.json"
    write_cycles(data)
    code = main(
        ["bench", "recsys", "--data", str(data), "--live", "--users", "80", "--epochs", "6"]
        + ["--json", str(out), "--quiet"]
    )
    assert code == 0
    metrics = json.loads(out.read_text())
    assert metrics["test_users"] == 80 and metrics["events"] > 80 * 3
    live, frozen = metrics["live"], metrics["frozen"]
    assert live["hr@10"] > 0.9
    assert live["hr@10"] > frozen["hr@10"] + 0.3
    assert live["ndcg@10"] > frozen["ndcg@10"] and live["ndcg@10"] <= live["hr@10"]
    assert metrics["cost_ms"]["mean"] > 0
    section = markdown(metrics, "cycles.txt", "")
    assert f"| {live['hr@10']:.4f} | {live['ndcg@10']:.4f} |" in section
    assert "frozen" in section and "ms mean" in section
    assert f"PyTorch threads: {metrics['threads']}; load average" in section
