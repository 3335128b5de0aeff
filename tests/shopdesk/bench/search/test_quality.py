"""``shopdesk bench search`` on a tiny judged set the test writes itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retrieval.evaluation import write_csv
from shopdesk.bench.search.data import export_products
from shopdesk.cli import main
from tests.helpers.catalog import make_catalog

QUERIES = [
    ("1", "running shoes", {"1": 3, "2": 3, "3": 2}),
    ("2", "something to keep my coffee hot", {"31": 3}),
    ("3", "hedphones under $200", {"19": 3, "18": 1}),
    ("4", "Voltra", {"18": 3}),
]


@pytest.fixture()
def judged_set(tmp_path: Path) -> dict[str, Path]:
    """The hand-made test catalog as a products CSV, with four queries and their judgments."""
    products = export_products(make_catalog(), tmp_path / "products.csv")
    queries = write_csv(
        tmp_path / "queries.csv", ("query_id", "query"), ((q, text) for q, text, _ in QUERIES)
    )
    qrels = write_csv(
        tmp_path / "qrels.csv",
        ("query_id", "product_id", "relevance"),
        ((q, pid, grade) for q, _, grades in QUERIES for pid, grade in grades.items()),
    )
    return {"products": products, "queries": queries, "qrels": qrels}


def test_bench_search_reports_every_mode_as_json_and_table(
    judged_set: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "result.json"
    code = main(
        [
            "bench",
            "search",
            "--products",
            str(judged_set["products"]),
            "--queries",
            str(judged_set["queries"]),
            "--qrels",
            str(judged_set["qrels"]),
            "--json",
            str(out),
            "--quiet",
        ]
    )
    assert code == 0
    result = json.loads(out.read_text())
    for mode in ("bm25", "dense", "hybrid"):
        assert {"ndcg@10", "mrr@10", "recall@100", "latency_p50_ms", "latency_p95_ms"} <= set(
            result[mode]
        )
        assert 0.0 <= result[mode]["ndcg@10"] <= 1.0 and result[mode]["latency_p95_ms"] > 0
    assert result["build_seconds"] > 0 and result["products"] == 50 and result["queries"] == 4
    assert result["hybrid"]["mrr@10"] >= 0.75
    printed = capsys.readouterr().out
    assert all(f"| {mode} |" in printed for mode in ("bm25", "dense", "hybrid"))
    assert "products/s" in printed


def test_bench_search_without_files_explains_what_to_give(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["bench", "search", "--quiet"]) == 2
    assert "--products" in capsys.readouterr().out
