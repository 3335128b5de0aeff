"""Ranking metrics on hand-computed cases, the judged-set file formats and the judging rules."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from retrieval.evaluation import (
    JudgmentFileError,
    evaluate_rankings,
    ndcg_at_k,
    read_qrels,
    read_queries,
    recall_at_k,
    reciprocal_rank_at_k,
)
from retrieval.judgments.rules import (
    DEMO_DIRECTORY,
    JudgedProduct,
    QueryRule,
    grade,
    judge,
    read_rules,
)

JUDGMENTS = {"a": 1, "b": 0, "c": 3, "d": 2}


def test_ndcg_uses_graded_gain_and_the_ideal_order_of_all_judged_products() -> None:
    # DCG = (2^1-1)/log2(2) + 0 + (2^3-1)/log2(4) = 1 + 3.5
    # IDCG = 7/log2(2) + 3/log2(3) + 1/log2(4)
    expected = 4.5 / (7 + 3 / math.log2(3) + 0.5)
    assert ndcg_at_k(["a", "b", "c"], JUDGMENTS, k=10) == pytest.approx(expected)
    assert ndcg_at_k(["c", "d", "a"], JUDGMENTS, k=10) == pytest.approx(1.0)


def test_ndcg_only_counts_the_top_k() -> None:
    # Only "b" (grade 0) is in the top 1; the ideal top 1 is "c" (gain 7).
    assert ndcg_at_k(["b", "c"], JUDGMENTS, k=1) == 0.0
    assert ndcg_at_k(["c", "b"], JUDGMENTS, k=1) == pytest.approx(1.0)


def test_ndcg_without_relevant_products_is_zero() -> None:
    assert ndcg_at_k(["a"], {"a": 0}) == 0.0


def test_reciprocal_rank_is_one_over_the_first_relevant_rank() -> None:
    assert reciprocal_rank_at_k(["b", "x", "d", "c"], JUDGMENTS, k=10) == pytest.approx(1 / 3)
    assert reciprocal_rank_at_k(["b", "x", "d"], JUDGMENTS, k=2) == 0.0
    assert reciprocal_rank_at_k(["a"], JUDGMENTS) == 1.0


def test_recall_is_the_share_of_relevant_products_found() -> None:
    assert recall_at_k(["x", "a"], JUDGMENTS, k=100) == pytest.approx(1 / 3)
    assert recall_at_k(["d", "a", "c", "b"], JUDGMENTS, k=100) == 1.0
    assert recall_at_k(["x", "a", "c"], JUDGMENTS, k=1) == 0.0


def test_evaluate_rankings_averages_over_judged_queries_only() -> None:
    qrels = {"q1": {"a": 3}, "q2": {"b": 1}, "q3": {"c": 0}}
    rankings = {"q1": ["a"], "q3": ["c"]}  # q2 returned nothing
    quality = evaluate_rankings(rankings, qrels)
    assert quality.queries == 2
    assert quality.ndcg_at_10 == pytest.approx(0.5)
    assert quality.mrr_at_10 == pytest.approx(0.5)
    assert quality.recall_at_100 == pytest.approx(0.5)


def test_files_are_read_with_their_optional_columns(tmp_path: Path) -> None:
    (tmp_path / "q.csv").write_text(
        'query_id,query,kind\n1,red shoes,attribute\n2,"mugs, big",vague\n'
    )
    (tmp_path / "r.csv").write_text("query_id,product_id,relevance\n1,10,3\n1,11,0\n2,12,1\n")
    queries = read_queries(tmp_path / "q.csv")
    assert [(q.query_id, q.query, q.kind, q.split) for q in queries] == [
        ("1", "red shoes", "attribute", ""),
        ("2", "mugs, big", "vague", ""),
    ]
    assert read_qrels(tmp_path / "r.csv") == {"1": {"10": 3, "11": 0}, "2": {"12": 1}}


def test_bad_judgment_files_say_what_is_wrong(tmp_path: Path) -> None:
    (tmp_path / "r.csv").write_text("query_id,product_id,relevance\n1,10,high\n")
    with pytest.raises(JudgmentFileError, match="line 2.*'high'"):
        read_qrels(tmp_path / "r.csv")
    (tmp_path / "q.csv").write_text("id,text\n1,shoes\n")
    with pytest.raises(JudgmentFileError, match="no column query_id, query"):
        read_queries(tmp_path / "q.csv")


def _product(
    pid: str, title: str, brand: str, category: str, colors: tuple[str, ...], price: float
) -> JudgedProduct:
    return JudgedProduct(pid, title, brand, category, colors, "mesh", price)


PRODUCTS = [
    _product("1", "Pacer Swift Running Shoe", "Pacer", "Shoes > Running Shoes", ("blue",), 70.0),
    _product(
        "2", "Kestrel Ridge Trail Running Shoe", "Kestrel", "Shoes > Running Shoes", ("red",), 120.0
    ),
    _product("3", "Pacer Swift Sneaker", "Pacer", "Shoes > Sneakers", ("blue",), 60.0),
    _product(
        "4", "Voltra Pulse Wireless Earbuds", "Voltra", "Electronics > Headphones", ("blue",), 50.0
    ),
]


def test_grades_follow_kind_and_stated_attributes() -> None:
    rule = QueryRule(
        "q1",
        "blue running shoes under $100",
        "price",
        "tune",
        best=("Running Shoe",),
        good=("Sneaker",),
        color="blue",
        price_max=100.0,
    )
    assert [grade(rule, p) for p in PRODUCTS] == [3, 1, 2, 0]


def test_exact_name_grades_the_product_then_its_brand_and_type() -> None:
    rule = QueryRule(
        "q2",
        "Pacer Swift Running Shoe",
        "exact_name",
        "test",
        best=("Running Shoe",),
        brand="Pacer",
        title="Pacer Swift Running Shoe",
    )
    other_pacer = _product(
        "5", "Pacer Tempo Running Shoe", "Pacer", "Shoes > Running Shoes", (), 80.0
    )
    assert [grade(rule, p) for p in [*PRODUCTS, other_pacer]] == [3, 1, 0, 0, 2]


def test_category_kinds_and_unmatched_rules_are_reported() -> None:
    rule = QueryRule("q3", "headphones", "category", "tune", best=("cat:Electronics > Headphones",))
    assert judge([rule], PRODUCTS) == {"q3": {"4": 3}}
    impossible = QueryRule(
        "q4", "purple earbuds", "attribute", "tune", best=("Earbuds",), color="purple"
    )
    with pytest.raises(ValueError, match="q4 .*purple earbuds"):
        judge([impossible], PRODUCTS)


def test_committed_demo_set_has_enough_queries_of_every_kind_split_in_two() -> None:
    rules = read_rules(DEMO_DIRECTORY / "query_rules.csv")
    queries = read_queries(DEMO_DIRECTORY / "queries.csv")
    qrels = read_qrels(DEMO_DIRECTORY / "qrels.csv")
    assert len(queries) >= 150 and [q.query_id for q in queries] == [r.query_id for r in rules]
    kinds = {q.kind for q in queries}
    assert {"exact_name", "brand_type", "attribute", "misspelling", "vague", "price"} <= kinds
    for kind in kinds:
        splits = [q.split for q in queries if q.kind == kind]
        assert splits.count("tune") >= 2 and splits.count("test") >= 2, kind
    assert all(3 in qrels[q.query_id].values() for q in queries)
