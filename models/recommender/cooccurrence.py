"""Item-to-item signals counted from histories: what follows what, and what is bought together.

Both are sparse item x item matrices built with scipy; there is no library for
"count weighted pairs within a window of each sequence", so the pair enumeration is
hand-written with numpy over all sequences at once (one pass per window offset).
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from models.recommender.data import ShopperHistories


def _square(rows: np.ndarray, cols: np.ndarray, values: np.ndarray, size: int) -> sparse.csr_matrix:
    """Summed ``values`` at (row, col), the diagonal (an item with itself) left out."""
    off_diagonal = rows != cols
    return sparse.coo_matrix(
        (values[off_diagonal], (rows[off_diagonal], cols[off_diagonal])), shape=(size, size)
    ).tocsr()


def _normalise(
    counts: sparse.csr_matrix, item_counts: np.ndarray, damping: float
) -> sparse.csr_matrix:
    """``counts[i, j] / (n_i ** 0.5 * (n_j + damping) ** 0.5)``: cosine-like.

    The damping keeps best sellers from winning everything.
    """
    left = 1.0 / np.sqrt(np.maximum(item_counts, 1.0))
    right = 1.0 / np.sqrt(item_counts + damping)
    return sparse.csr_matrix(sparse.diags(left) @ counts @ sparse.diags(right), dtype=np.float32)


def transition_matrix(
    histories: ShopperHistories, item_count: int, window: int, decay: float, damping: float = 5.0
) -> sparse.csr_matrix:
    """``T[i, j]``: how strongly ``j`` follows ``i`` in shoppers' histories.

    A pair ``j`` following ``i`` after ``d`` steps (``d <= window``) adds ``decay ** (d - 1)``;
    pairs in reverse order add half that, since "bought before" also says "goes with".
    """
    rows, cols, values = [], [], []
    for offset in range(1, window + 1):
        weight = decay ** (offset - 1)
        for items in histories.items:
            if items.size > offset:
                rows.append(items[:-offset])
                cols.append(items[offset:])
                values.append(np.full(items.size - offset, weight, dtype=np.float32))
    if not rows:
        return sparse.csr_matrix((item_count, item_count), dtype=np.float32)
    forward_rows, forward_cols = np.concatenate(rows), np.concatenate(cols)
    forward = np.concatenate(values)
    counts = _square(
        np.concatenate([forward_rows, forward_cols]),
        np.concatenate([forward_cols, forward_rows]),
        np.concatenate([forward, 0.5 * forward]),
        item_count,
    )
    item_counts = np.bincount(np.concatenate(histories.items), minlength=item_count).astype(
        np.float32
    )
    return _normalise(counts, item_counts, damping)


def purchase_matrix(
    histories: ShopperHistories, item_count: int, damping: float = 5.0
) -> sparse.csr_matrix:
    """``B[i, j]``: how often ``i`` and ``j`` were bought by the same shopper.

    The same basket counts twice.
    """
    blocks = []
    for baskets in histories.baskets:
        if not baskets:
            continue
        bought = np.unique(np.concatenate(baskets))
        if bought.size > 1:
            blocks.append(_pairs(bought, 1.0))
        for basket in baskets:
            if basket.size > 1:
                blocks.append(_pairs(basket, 1.0))
    if not blocks:
        return sparse.csr_matrix((item_count, item_count), dtype=np.float32)
    rows = np.concatenate([b[0] for b in blocks])
    cols = np.concatenate([b[1] for b in blocks])
    values = np.concatenate([b[2] for b in blocks])
    counts = _square(rows, cols, values, item_count)
    # One shared purchase is weak evidence (it may be chance); shrink counts by c / (c + 1).
    counts.data = counts.data * counts.data / (counts.data + 1.0)
    buyers = np.zeros(item_count, dtype=np.float32)
    for baskets in histories.baskets:
        if baskets:
            buyers[np.unique(np.concatenate(baskets))] += 1
    return _normalise(counts, buyers, damping)


def _pairs(items: np.ndarray, weight: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every ordered pair of distinct ``items``."""
    left, right = np.meshgrid(items, items, indexing="ij")
    keep = left != right
    return left[keep], right[keep], np.full(int(keep.sum()), weight, dtype=np.float32)


def history_scores(
    matrix: sparse.csr_matrix, histories: list[np.ndarray], recency: float
) -> np.ndarray:
    """Per history, ``sum_k recency ** age_k * matrix[item_k]`` over all items.

    The result is a dense batch x items array.
    """
    rows, cols, values = [], [], []
    for row, items in enumerate(histories):
        if items.size:
            ages = np.arange(items.size - 1, -1, -1, dtype=np.float32)
            rows.append(np.full(items.size, row))
            cols.append(items)
            values.append(recency**ages)
    weights = sparse.csr_matrix(
        (
            np.concatenate(values) if values else np.zeros(0, np.float32),
            (
                np.concatenate(rows) if rows else np.zeros(0, int),
                np.concatenate(cols) if cols else np.zeros(0, int),
            ),
        ),
        shape=(len(histories), matrix.shape[0]),
    )
    return np.asarray((weights @ matrix).todense(), dtype=np.float32)
