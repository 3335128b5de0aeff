"""The one percentile every benchmark reports latencies with."""

from __future__ import annotations

import pytest

from shopdesk.bench.metrics import percentile


def test_percentile_interpolates_between_the_nearest_values() -> None:
    assert percentile([4.0, 1.0, 3.0, 2.0], 50) == 2.5
    assert percentile([1.0, 2.0], 95) == pytest.approx(1.95)
    assert percentile([0.001, 0.002, 0.003], 50) == pytest.approx(0.002)


def test_percentile_of_one_value_is_that_value_and_of_none_is_zero() -> None:
    assert percentile([7.5], 95) == 7.5
    assert percentile([], 95) == 0.0
