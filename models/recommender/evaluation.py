"""Offline evaluation: leave-one-out splits and ranking metrics over all items.

Protocol (as in SASRec, S3-Rec and ICLRec): per shopper the last item is the test target,
the second last the validation target, the rest is training data; each target is ranked
against every item (no sampled negatives), with the shopper's history items left out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

#: A validation or test case: item indices of the history (time order) and the target item index.
Case = tuple[np.ndarray, int]


@dataclass(frozen=True)
class LeaveOneOutSplit:
    """Training sequences and the validation/test cases of a leave-one-out split."""

    train: list[list[int]]
    validation: list[tuple[list[int], int]]
    test: list[tuple[list[int], int]]
    #: Sequences too short to hold anything out (also part of ``train``).
    short: list[list[int]]


def leave_one_out(sequences: Sequence[Sequence[int]]) -> LeaveOneOutSplit:
    """Last item for test, second last for validation, the rest for training.

    Shoppers with fewer than 3 items have nothing to hold out: all their items are training
    data. The test history includes the validation item (as in SASRec's evaluation).
    """
    train, validation, test, short = [], [], [], []
    for sequence in sequences:
        items = list(sequence)
        if len(items) < 3:
            train.append(items)
            short.append(items)
            continue
        train.append(items[:-2])
        validation.append((items[:-2], items[-2]))
        test.append((items[:-1], items[-1]))
    return LeaveOneOutSplit(train, validation, test, short)


def target_ranks(scores: np.ndarray, cases: Sequence[Case]) -> np.ndarray:
    """0-based rank of each case's target among all items (rows of ``scores``).

    History items are left out.
    Ties count against the target (an item scoring the same ranks ahead of it), so a
    constant scorer gets no credit. A target inside its own history cannot be found.
    """
    if not cases:
        return np.zeros(0, dtype=np.int64)
    values = np.array(scores[: len(cases)], dtype=np.float64)
    rows = np.concatenate([np.full(len(h), row) for row, (h, _) in enumerate(cases)]).astype(
        np.int64
    )
    columns = np.concatenate([np.asarray(h, dtype=np.int64) for h, _ in cases])
    values[rows, columns] = -np.inf
    targets = np.array([t for _, t in cases], dtype=np.int64)
    target_scores = values[np.arange(len(cases)), targets]
    values[np.arange(len(cases)), targets] = -np.inf
    ranks = (values >= target_scores[:, None]).sum(axis=1)
    return np.where(np.isfinite(target_scores), ranks, values.shape[1]).astype(np.int64)


def ranks_in_batches(
    score: Callable[[list[np.ndarray]], np.ndarray], cases: Sequence[Case], batch_size: int = 1024
) -> np.ndarray:
    """:func:`target_ranks` of ``score(histories)``, computed ``batch_size`` cases at a time."""
    parts = [np.zeros(0, dtype=np.int64)]
    for start in range(0, len(cases), batch_size):
        chunk = list(cases[start : start + batch_size])
        parts.append(target_ranks(score([h for h, _ in chunk]), chunk))
    return np.concatenate(parts)


def hit_rate(ranks: np.ndarray, k: int) -> float:
    """Share of cases whose target is in the top ``k``."""
    return float((np.asarray(ranks) < k).mean()) if len(ranks) else 0.0


def ndcg(ranks: np.ndarray, k: int) -> float:
    """Mean NDCG@k with one relevant item: ``1 / log2(rank + 2)`` inside the top ``k``, else 0."""
    ranks = np.asarray(ranks, dtype=np.float64)
    if not ranks.size:
        return 0.0
    return float(np.where(ranks < k, 1.0 / np.log2(ranks + 2.0), 0.0).mean())


def ranking_metrics(ranks: np.ndarray, cutoffs: Sequence[int] = (5, 10, 20)) -> dict[str, float]:
    """``{"hr@5": ..., "ndcg@5": ..., "hr@10": ...}`` for the given cutoffs."""
    metrics: dict[str, float] = {}
    for k in cutoffs:
        metrics[f"hr@{k}"] = hit_rate(ranks, k)
        metrics[f"ndcg@{k}"] = ndcg(ranks, k)
    return metrics
