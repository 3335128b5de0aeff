"""Reciprocal rank fusion (RRF) of the dense and the BM25 ranking.

RRF is used rather than a weighted mix of scores because cosine similarities and BM25
scores live on unrelated scales that change from query to query (BM25 grows with the
number and rarity of matched words, cosine stays in [-1, 1]); a mix would need per-query
normalisation and a tuned weight, while RRF only uses ranks and has one well-studied
constant (60, Cormack et al. 2009). Written here because it is four lines of numpy.
"""

from __future__ import annotations

import numpy as np

RRF_K = 60


def ranks(scores: np.ndarray) -> np.ndarray:
    """1-based rank of each entry of ``scores``, highest score first (ties by position)."""
    order = np.argsort(-scores, kind="stable")
    result = np.empty(len(scores), dtype=np.int64)
    result[order] = np.arange(1, len(scores) + 1)
    return result


def reciprocal_rank_fusion(
    dense: np.ndarray, lexical: np.ndarray, rrf_k: int = RRF_K
) -> np.ndarray:
    """Fused score per candidate from its dense and BM25 scores.

    Every candidate has a dense score; a candidate contributes to the BM25 ranking only
    when BM25 matched at least one query word (``lexical > 0``).
    """
    fused = 1.0 / (rrf_k + ranks(dense))
    matched = lexical > 0
    if matched.any():
        fused[matched] += 1.0 / (rrf_k + ranks(lexical[matched]))
    return fused
