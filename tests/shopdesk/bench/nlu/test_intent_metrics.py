"""Out-of-scope figures and threshold choice of ``shopdesk bench nlu`` on hand-made predictions."""

from __future__ import annotations

import pytest

from shopdesk.bench.nlu.intent_metrics import apply_threshold, choose_oos_threshold, oos_figures


def test_oos_figures_follow_larson_definitions() -> None:
    labels = ["a", "a", "b", "oos", "oos"]
    predicted = ["a", "oos", "b", "oos", "b"]
    assert oos_figures(labels, predicted, "oos") == {
        "in_scope_accuracy": pytest.approx(2 / 3),
        "oos_recall": 0.5,
        "oos_precision": 0.5,
    }


def test_threshold_is_chosen_to_balance_in_scope_accuracy_and_oos_recall() -> None:
    labels = ["a", "b", "a", "oos", "oos"]
    top = [("a", 0.9), ("b", 0.8), ("a", 0.7), ("a", 0.42), ("b", 0.3)]
    threshold = choose_oos_threshold(labels, top, "oos")
    assert 0.42 < threshold <= 0.7
    assert apply_threshold(top, threshold, "oos") == ["a", "b", "a", "oos", "oos"]


def test_threshold_with_min_oos_recall_keeps_the_most_in_scope_messages() -> None:
    labels = ["a", "b", "a", "a", "oos", "oos", "oos"]
    top = [("a", 0.9), ("b", 0.8), ("a", 0.5), ("a", 0.35), ("a", 0.4), ("b", 0.3), ("a", 0.6)]
    # Catching two of the three off-topic messages needs a threshold above 0.4; the lowest such
    # grid threshold loses only the in-scope message at 0.35.
    threshold = choose_oos_threshold(labels, top, "oos", min_oos_recall=0.6)
    assert threshold == 0.45
    assert apply_threshold(top, threshold, "oos") == ["a", "b", "a", "oos", "oos", "oos", "a"]
    # Unreachable recall: falls back to the balanced choice.
    assert choose_oos_threshold(labels, top, "oos", min_oos_recall=1.0) == choose_oos_threshold(
        labels, top, "oos"
    )
