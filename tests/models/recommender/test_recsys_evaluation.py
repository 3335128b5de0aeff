"""Leave-one-out splitting and the ranking metrics, on cases small enough to compute by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from models.recommender.evaluation import (
    hit_rate,
    leave_one_out,
    ndcg,
    ranking_metrics,
    ranks_in_batches,
    target_ranks,
)


def test_leave_one_out_holds_out_the_last_two_items() -> None:
    split = leave_one_out([[1, 2, 3, 4], [5, 6], [7, 8, 9]])
    assert split.train == [[1, 2], [5, 6], [7]]
    assert split.validation == [([1, 2], 3), ([7], 8)]
    assert split.test == [([1, 2, 3], 4), ([7, 8], 9)]
    assert split.short == [[5, 6]]


def test_ranks_leave_history_out_and_count_ties_against_the_target() -> None:
    scores = np.array(
        [
            [0.9, 0.8, 0.7, 0.1, 0.5],  # target 3; items 0 and 1 are history -> 2 and 4 rank ahead
            [0.5, 0.5, 0.5, 0.5, 0.5],  # constant scores: every other item ties ahead of the target
            [0.1, 0.9, 0.2, 0.3, 0.4],  # target 1 is best
            [0.1, 0.9, 0.2, 0.3, 0.4],  # target 1 is in its own history: cannot be found
        ]
    )
    cases = [
        (np.array([0, 1]), 3),
        (np.array([], dtype=int), 2),
        (np.array([0]), 1),
        (np.array([1]), 1),
    ]
    assert target_ranks(scores, cases).tolist() == [2, 4, 0, 5]
    batched = ranks_in_batches(lambda histories: scores[: len(histories)], cases[:1], batch_size=1)
    assert batched.tolist() == [2]


def test_hit_rate_and_ndcg_match_hand_computed_values() -> None:
    ranks = np.array([0, 1, 4, 9, 10, 30])
    assert hit_rate(ranks, 5) == pytest.approx(3 / 6)
    assert hit_rate(ranks, 10) == pytest.approx(4 / 6)
    assert ndcg(ranks, 5) == pytest.approx((1 + 1 / math.log2(3) + 1 / math.log2(6)) / 6)
    assert ndcg(ranks, 10) == pytest.approx(
        (1 + 1 / math.log2(3) + 1 / math.log2(6) + 1 / math.log2(11)) / 6
    )
    metrics = ranking_metrics(ranks, cutoffs=(5, 20))
    assert set(metrics) == {"hr@5", "ndcg@5", "hr@20", "ndcg@20"}
    assert metrics["hr@20"] == pytest.approx(5 / 6)
    assert hit_rate(np.array([]), 10) == 0.0 and ndcg(np.array([]), 10) == 0.0
