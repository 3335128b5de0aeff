"""Products CSV rows of ``shopdesk bench search`` as catalog records."""

from __future__ import annotations

from pathlib import Path

import pytest

from shopdesk.bench.search.data import BenchmarkInputError, records_from_rows


def test_products_csv_needs_only_id_title_and_description(tmp_path: Path) -> None:
    records = records_from_rows([{"product_id": "7", "title": "Trail Mug", "description": ""}])
    assert (records[0].product_id, records[0].title, records[0].brand, records[0].colors) == (
        7,
        "Trail Mug",
        None,
        (),
    )
    with pytest.raises(BenchmarkInputError, match="'B00X'.*whole number"):
        records_from_rows([{"product_id": "B00X", "title": "Mug", "description": ""}])
