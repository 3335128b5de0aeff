"""``shopdesk bench entities``: the scores by hand and the production extractors on a tiny set."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.augmentation import EntitySpan
from shopdesk.bench.nlu.entities import entity_scores, run_entity_benchmark


def span(entity: str, start: int, end: int) -> EntitySpan:
    """An entity span of type ``entity`` over characters ``start``..``end``."""
    return EntitySpan(entity=entity, start=start, end=end)


def test_entity_scores_by_hand() -> None:
    gold = [
        {span("color", 4, 8), span("product_category", 9, 15)},
        {span("order_number", 6, 11)},
    ]
    found = [
        {span("color", 4, 8), span("product_category", 0, 3)},
        {span("order_number", 6, 11), span("color", 0, 3)},
    ]
    scores = entity_scores(gold, found)
    assert scores["color"]["precision"] == 0.5 and scores["color"]["recall"] == 1.0
    assert scores["color"]["f1"] == pytest.approx(2 / 3)
    assert (
        scores["product_category"]["precision"] == 0.0 and scores["product_category"]["f1"] == 0.0
    )
    assert scores["order_number"]["f1"] == 1.0


def test_entity_benchmark_runs_the_production_extractors(tmp_path: Path) -> None:
    data = """version: "3.1"
nlu:
- intent: product_search
  examples: |
    - any [navy](color) [rain jacket](product_category) under [$80](price_max)?
    - show me [jackets](product_category) by [Voltra](brand)
    - something in [red](color)
- intent: order_status
  examples: |
    - where is order [10002](order_number), email [alex@example.com](email)
"""
    (tmp_path / "nlu.yml").write_text(data, encoding="utf-8")
    tables = {
        "color": ["navy", "red"],
        "brand": ["Voltra"],
        "product_category": ["jacket", "jackets", "rain jacket", "red"],
    }
    report = run_entity_benchmark(tmp_path / "nlu.yml", tables, tmp_path / "nlu.yml")
    scores = report["per_entity"]
    # Every annotation is found; "red" is also a category in these tables: one false positive.
    for entity in ("color", "brand", "price_max", "order_number", "email"):
        assert scores[entity]["f1"] == 1.0, entity
    assert scores["product_category"]["recall"] == 1.0
    assert scores["product_category"]["precision"] == pytest.approx(2 / 3)
    assert scores["product_category"]["f1"] == pytest.approx(0.8)
    assert report["errors"] == [
        {"text": "something in red", "missed": [], "spurious": ["product_category:red"]}
    ]
