"""Content similarity from product embeddings: what looks alike, even without any history."""

from __future__ import annotations

import numpy as np


def normalise_rows(embeddings: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero), as float32."""
    vectors = np.asarray(embeddings, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)


def content_scores(
    embeddings: np.ndarray, histories: list[np.ndarray], recency: float
) -> np.ndarray:
    """Cosine of every item with each history's recency-weighted mean embedding (batch x items)."""
    profiles = np.zeros((len(histories), embeddings.shape[1]), dtype=np.float32)
    for row, items in enumerate(histories):
        if items.size:
            ages = np.arange(items.size - 1, -1, -1, dtype=np.float32)
            profiles[row] = (recency**ages) @ embeddings[items]
    return normalise_rows(profiles) @ embeddings.T
