"""``shopdesk bench recsys`` end to end on a tiny sequence file the test writes itself."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from shopdesk.bench.recsys import BEAUTY_ANCHORS, _markdown, attribute_embeddings
from shopdesk.cli import main

ITEMS = 12


def write_cycles(path: Path, users: int = 150) -> None:
    """Every user walks the items in one cycle (1 -> 2 -> ... -> 12 -> 1) from a random start."""
    rng = np.random.default_rng(0)
    lines = []
    for user in range(1, users + 1):
        start, length = int(rng.integers(0, ITEMS)), int(rng.integers(4, 9))
        items = [(start + step) % ITEMS + 1 for step in range(length)]
        lines.append(" ".join(map(str, [user, *items])))
    path.write_text("\n".join(lines) + "\n")


def test_the_benchmark_learns_an_obvious_sequence_and_writes_its_metrics(tmp_path: Path) -> None:
    data, out = tmp_path / "cycles.txt", tmp_path / "metrics.json"
    write_cycles(data)
    code = main(
        ["bench", "recsys", "--data", str(data), "--json", str(out), "--epochs", "4", "--quiet"]
    )
    assert code == 0
    metrics = json.loads(out.read_text())
    for key in ("hr@5", "hr@10", "hr@20", "ndcg@5", "ndcg@10", "ndcg@20", "train_seconds"):
        assert key in metrics
    assert metrics["hr@5"] > 0.9  # the next item of a cycle is easy to find among 12
    assert metrics["hr@5"] <= metrics["hr@10"] <= metrics["hr@20"] == 1.0
    assert metrics["ndcg@10"] <= metrics["hr@10"]
    assert metrics["poprec"]["hr@5"] < metrics["hr@5"]
    assert metrics["users"] == 150 and metrics["items"] == ITEMS
    section = _markdown(metrics, "cycles.txt", "")
    assert all(name in section for name, _, _ in BEAUTY_ANCHORS)
    assert f"**{metrics['hr@10']:.4f}**" in section and "all** items" in section
    assert f"PyTorch threads: {metrics['threads']}; load average" in section


def test_a_missing_data_file_is_an_error(tmp_path: Path) -> None:
    assert main(["bench", "recsys", "--data", str(tmp_path / "none.txt"), "--quiet"]) == 2


def test_item_attributes_become_tf_idf_weighted_rows(tmp_path: Path) -> None:
    path = tmp_path / "attributes.json"
    path.write_text(json.dumps({"1": [7, 8], "2": [7], "3": []}))
    rows = attribute_embeddings(path, [1, 2, 3, 4])
    assert rows.shape == (4, 2)
    assert rows[0, 1] > rows[0, 0] > 0  # attribute 8 is rarer than 7
    assert not rows[2].any() and not rows[3].any()
