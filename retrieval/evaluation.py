"""Ranking quality metrics and the CSV formats of a judged query set.

A judged query set is three CSV files with headers:

* products: ``product_id,title,description`` (description may be empty; further columns
  such as ``brand``, ``category``, ``colors``, ``material``, ``price`` are optional);
* queries: ``query_id,query`` (optional ``kind`` and ``split`` columns);
* judgments (qrels): ``query_id,product_id,relevance`` with graded relevance
  (0 = irrelevant, higher = better); an unjudged product is irrelevant.

The metrics follow the usual TREC definitions (as in ``trec_eval`` and ``ir_measures``),
written here because they are a few lines each and the libraries that provide them
(pytrec_eval, ir_measures) are not dependencies of the project:

* nDCG@k with exponential gain ``2^rel - 1`` and ``log2(rank + 1)`` discount, normalised by
  the ideal ordering of *all* judged products of the query;
* MRR@k: reciprocal rank of the first product with relevance > 0 within the top k;
* Recall@k: share of the products with relevance > 0 found in the top k.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from storage.errors import ShopdeskError

#: Relevance judgments: query id -> product id -> grade.
Qrels = Mapping[str, Mapping[str, int]]


class JudgmentFileError(ShopdeskError, ValueError):
    """A products, queries or judgments CSV file is missing a column or holds a bad value."""


@dataclass(frozen=True)
class JudgedQuery:
    """One query of a judged set; ``kind`` and ``split`` are empty when the file has none."""

    query_id: str
    query: str
    kind: str = ""
    split: str = ""


def dcg(gains: Iterable[float]) -> float:
    """Discounted cumulative gain of relevance grades in rank order (exponential gain)."""
    return sum((2.0**grade - 1.0) / math.log2(rank + 2) for rank, grade in enumerate(gains))


def ndcg_at_k(ranking: Sequence[str], judgments: Mapping[str, int], k: int = 10) -> float:
    """nDCG@k of ``ranking`` (product ids, best first); 0 when no product is relevant."""
    ideal = dcg(sorted((g for g in judgments.values() if g > 0), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    return dcg(judgments.get(pid, 0) for pid in ranking[:k]) / ideal


def reciprocal_rank_at_k(
    ranking: Sequence[str], judgments: Mapping[str, int], k: int = 10
) -> float:
    """1 / rank of the first relevant product within the top ``k``, else 0."""
    for rank, pid in enumerate(ranking[:k], start=1):
        if judgments.get(pid, 0) > 0:
            return 1.0 / rank
    return 0.0


def recall_at_k(ranking: Sequence[str], judgments: Mapping[str, int], k: int = 100) -> float:
    """Share of the relevant products (grade > 0) that appear in the top ``k``."""
    relevant = {pid for pid, grade in judgments.items() if grade > 0}
    if not relevant:
        return 0.0
    return len(relevant.intersection(ranking[:k])) / len(relevant)


@dataclass(frozen=True)
class RankingQuality:
    """Mean metrics over the queries that have at least one relevant product."""

    ndcg_at_10: float
    mrr_at_10: float
    recall_at_100: float
    queries: int


def evaluate_rankings(rankings: Mapping[str, Sequence[str]], qrels: Qrels) -> RankingQuality:
    """Mean nDCG@10, MRR@10 and Recall@100 of ``rankings`` (query id -> product ids).

    Queries without any relevant judgment are left out (as trec_eval does); a judged query
    missing from ``rankings`` counts as an empty ranking.
    """
    judged = [qid for qid, grades in qrels.items() if any(g > 0 for g in grades.values())]
    if not judged:
        return RankingQuality(0.0, 0.0, 0.0, 0)
    per_query = [
        (
            ndcg_at_k(rankings.get(qid, ()), qrels[qid], 10),
            reciprocal_rank_at_k(rankings.get(qid, ()), qrels[qid], 10),
            recall_at_k(rankings.get(qid, ()), qrels[qid], 100),
        )
        for qid in judged
    ]
    ndcg, mrr, recall = (float(np.mean(column)) for column in zip(*per_query, strict=True))
    return RankingQuality(ndcg, mrr, recall, len(judged))


# ----------------------------------------------------------------------------- files


def _rows(path: str | Path, required: Sequence[str]) -> list[dict[str, str]]:
    source = Path(path)
    try:
        with source.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = [name for name in required if name not in (reader.fieldnames or [])]
            if missing:
                raise JudgmentFileError(
                    f"{source} has no column {', '.join(missing)}; its header must contain "
                    f"{','.join(required)}."
                )
            return list(reader)
    except OSError as exc:
        raise JudgmentFileError(f"Cannot read {source}: {exc}") from exc


def read_queries(path: str | Path) -> list[JudgedQuery]:
    """Queries of a judged set (``query_id,query`` and optional ``kind``, ``split``)."""
    return [
        JudgedQuery(row["query_id"], row["query"], row.get("kind") or "", row.get("split") or "")
        for row in _rows(path, ("query_id", "query"))
    ]


def read_qrels(path: str | Path) -> dict[str, dict[str, int]]:
    """Judgments ``query_id,product_id,relevance`` as query id -> product id -> grade."""
    qrels: dict[str, dict[str, int]] = {}
    for number, row in enumerate(_rows(path, ("query_id", "product_id", "relevance")), start=2):
        try:
            grade = int(row["relevance"])
        except ValueError as exc:
            raise JudgmentFileError(
                f"{path}, line {number}: relevance {row['relevance']!r} is not a whole number."
            ) from exc
        qrels.setdefault(row["query_id"], {})[row["product_id"]] = grade
    return qrels


def read_product_rows(path: str | Path) -> list[dict[str, str]]:
    """Rows of a products CSV (``product_id,title,description`` and optional attributes)."""
    return _rows(path, ("product_id", "title", "description"))


def write_csv(path: str | Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Path:
    """Write ``rows`` under ``header`` to ``path`` (UTF-8, minimal quoting)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return target
