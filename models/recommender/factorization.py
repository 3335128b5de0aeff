"""Matrix factorization of the shopper x item matrix with implicit's alternating least squares."""

from __future__ import annotations

import numpy as np
from scipy import sparse

from models.recommender.data import ShopperHistories


def shopper_item_matrix(histories: ShopperHistories, item_count: int) -> sparse.csr_matrix:
    """Shopper x item confidence: the summed kind weights of each shopper's events per item."""
    rows = np.concatenate([np.full(items.size, row) for row, items in enumerate(histories.items)])
    cols = np.concatenate(histories.items)
    values = np.concatenate(histories.weights)
    return sparse.csr_matrix(
        (values, (rows, cols)), shape=(len(histories.items), item_count), dtype=np.float32
    )


def fit_item_factors(
    matrix: sparse.csr_matrix,
    factors: int,
    regularization: float,
    iterations: int,
    alpha: float,
    seed: int,
    progress: bool,
) -> np.ndarray:
    """Item factors (items x factors) of an ALS model fitted on ``matrix`` (shopper x item)."""
    from implicit.cpu.als import AlternatingLeastSquares
    from threadpoolctl import threadpool_limits

    # implicit warns (and slows down) when BLAS runs its own threads next to implicit's.
    with threadpool_limits(1, "blas"):
        model = AlternatingLeastSquares(
            factors=factors,
            regularization=regularization,
            iterations=iterations,
            alpha=alpha,
            random_state=seed,
            calculate_training_loss=False,
        )
        model.fit(matrix, show_progress=progress)
    return np.ascontiguousarray(model.item_factors, dtype=np.float32)


def regularised_gram(item_factors: np.ndarray, regularization: float) -> np.ndarray:
    """``YᵀY + λI`` of the item factors: the part of every fold-in that no shopper changes."""
    return item_factors.T @ item_factors + regularization * np.eye(
        item_factors.shape[1], dtype=np.float32
    )


def fold_in(
    item_factors: np.ndarray,
    histories: list[np.ndarray],
    regularization: float,
    alpha: float,
    gram: np.ndarray | None = None,
) -> np.ndarray:
    """Factor of a new shopper from their items, then scores over all items (batch x items).

    This is the ALS user step (what implicit's ``recalculate_user`` does), written out so it
    needs only the saved item factors, not a fitted implicit model object:
    ``x = (YᵀY + λI + α·Σ y_i y_iᵀ)⁻¹ · (1 + α)·Σ y_i`` over the shopper's items ``i``.
    ``gram`` is :func:`regularised_gram` of the same factors, computed here when not given
    (pass it when folding in one shopper at a time: it costs more than the solve).
    """
    if gram is None:
        gram = regularised_gram(item_factors, regularization)
    users = np.zeros((len(histories), item_factors.shape[1]), dtype=np.float32)
    for row, items in enumerate(histories):
        if items.size == 0:
            continue
        chosen = item_factors[np.unique(items)]
        users[row] = np.linalg.solve(
            gram + alpha * chosen.T @ chosen, (1.0 + alpha) * chosen.sum(axis=0)
        )
    return users @ item_factors.T
