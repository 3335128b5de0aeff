"""``shopdesk bench nlu`` end to end on a small labelled data set built here."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pytest

from shopdesk.bench.nlu.summary import markdown_section
from shopdesk.cli import main

EXAMPLES = {
    "greet": [
        "hi",
        "hello",
        "hey there",
        "good morning",
        "hiya",
        "hello friend",
        "hey",
        "good evening",
        "greetings",
        "hi team",
        "hello shop",
        "morning!",
    ],
    "order_status": [
        "where is my order",
        "track my parcel",
        "has my package shipped",
        "when will my order arrive",
        "order status please",
        "where's my delivery",
        "is my order on its way",
        "tracking for my order",
        "my parcel is late",
        "check my shipment",
        "when does my package get here",
        "status of order 10002",
    ],
    "goodbye": [
        "bye",
        "goodbye",
        "see you later",
        "have a nice day",
        "cya",
        "bye bye",
        "talk later",
        "farewell",
        "catch you later",
        "that's all, bye",
        "see you soon",
        "i'm off, bye",
    ],
    "oos": [
        "what's the weather",
        "tell me a joke",
        "who won the game",
        "how tall is everest",
        "play some music",
        "what is 2 plus 2",
        "book a flight",
        "translate hello to french",
        "set an alarm",
        "what's the capital of peru",
        "recommend a netflix show",
        "how old is the sun",
    ],
}


def _write_csv(path: Path, rows: list[tuple[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows(rows)
    return path


def run_small_benchmark(directory: Path, *extra: str) -> dict:
    """One benchmark run: 4 labels x 12 examples split 8/2/2, two epochs, top layer trained.

    The classifier holds out 2 of each label's 8 training examples for its own validation.
    """
    splits: dict[str, list[tuple[str, str]]] = {"train": [], "val": [], "test": []}
    for label, texts in EXAMPLES.items():
        splits["train"] += [(text, label) for text in texts[:8]]
        splits["val"] += [(text, label) for text in texts[8:10]]
        splits["test"] += [(text, label) for text in texts[10:]]
    random.Random(3).shuffle(splits["train"])
    paths = {name: _write_csv(directory / f"{name}.csv", rows) for name, rows in splits.items()}
    out = directory / "report.json"
    code = main(
        [
            "bench",
            "nlu",
            "--train",
            str(paths["train"]),
            "--val",
            str(paths["val"]),
            "--test",
            str(paths["test"]),
            "--oos-label",
            "oos",
            "--json",
            str(out),
            "--set",
            "epochs=2",
            "--set",
            "trainable_layers=1",
            "--set",
            "batch_size=8",
            "--set",
            "validation_fraction=0.25",
            "--no-progress",
            *extra,
        ]
    )
    assert code == 0
    return json.loads(out.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def nlu_report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return run_small_benchmark(tmp_path_factory.mktemp("bench-nlu"))


def test_report_has_every_figure_under_its_stable_key(nlu_report: dict) -> None:
    row = nlu_report["models"]["shopdesk-bert"]
    for key in (
        "accuracy",
        "macro_f1",
        "in_scope_accuracy",
        "oos_recall",
        "oos_precision",
        "train_seconds",
        "latency_p50_ms",
        "latency_p95_ms",
    ):
        assert isinstance(row[key], float), key
    for key in ("accuracy", "macro_f1", "in_scope_accuracy", "oos_recall", "oos_precision"):
        assert 0.0 <= row[key] <= 1.0, key
    assert row["train_seconds"] > 0
    assert row["training_examples"] == 32  # CSV rows are trained on as they are
    assert 0 < row["latency_p50_ms"] <= row["latency_p95_ms"]
    assert nlu_report["dataset"] == {
        **nlu_report["dataset"],
        "train_examples": 32,
        "test_examples": 8,
        "intents": 4,
        "oos_label": "oos",
    }
    assert "confidence threshold" in row["oos_detection"]
    assert "learned from 8 training examples" in row["oos_detection"]
    # Each epoch's held-out accuracy, and the validation split's figures at the chosen
    # threshold: what settings are chosen by.
    assert [epoch["epoch"] for epoch in row["history"]] == list(range(1, row["epochs_run"] + 1))
    assert all(0.0 <= epoch["validation_accuracy"] <= 1.0 for epoch in row["history"])
    assert set(row["val"]) >= {"in_scope_accuracy", "oos_recall", "oos_precision"}
    assert all(0.0 <= figure <= 1.0 for figure in row["val"].values())
    assert "(`train.csv`), test 8 (`test.csv`)" in markdown_section(nlu_report, "small set", [])


def test_figures_agree_with_the_predictions(nlu_report: dict) -> None:
    row = nlu_report["models"]["shopdesk-bert"]
    predictions = row["predictions"]
    assert len(predictions) == 8
    correct = sum(p["label"] == p["predicted"] for p in predictions)
    assert row["accuracy"] == pytest.approx(correct / 8)
    in_scope = [p for p in predictions if p["label"] != "oos"]
    assert row["in_scope_accuracy"] == pytest.approx(
        sum(p["label"] == p["predicted"] for p in in_scope) / len(in_scope)
    )
    caught = sum(p["label"] == p["predicted"] == "oos" for p in predictions)
    assert row["oos_recall"] == pytest.approx(caught / 2)
    # Below the threshold a message is out of scope; at or above it keeps its intent.
    threshold = row["oos_threshold"]
    for p in predictions:
        if p["confidence"] < threshold:
            assert p["predicted"] == "oos"
    support = sum(scores["support"] for scores in row["per_intent"].values())
    assert support == 8


def test_without_oos_training_out_of_scope_comes_from_the_threshold_alone(tmp_path: Path) -> None:
    report = run_small_benchmark(tmp_path, "--no-oos-training")
    row = report["models"]["shopdesk-bert"]
    assert report["dataset"]["train_examples"] == 24
    assert report["dataset"]["oos_training"] is False
    assert row["oos_detection"] == (
        f"confidence threshold {row['oos_threshold']:.2f} + its 8 oos training examples left out"
    )
    for p in row["predictions"]:
        assert (p["predicted"] == "oos") == (p["confidence"] < row["oos_threshold"])
    section = markdown_section(report, "small set", [])
    assert "(`train.csv` without its out-of-scope examples)" in section
    assert "threshold chosen on `val.csv`" in section


def test_fallback_threshold_is_calibrated_on_the_classifiers_validation_split(
    nlu_report: dict,
) -> None:
    calibration = nlu_report["models"]["shopdesk-bert"]["fallback_calibration"]
    assert calibration["validation_examples"] == 8
    thresholds = calibration["thresholds"]
    assert [row["threshold"] for row in thresholds] == sorted(
        row["threshold"] for row in thresholds
    )
    rates = [row["fallback_rate"] for row in thresholds]
    assert rates == sorted(rates)  # a higher threshold never falls back less often
    best = max(row["utility"] for row in thresholds)
    chosen = next(
        row for row in thresholds if row["threshold"] == calibration["suggested_threshold"]
    )
    assert chosen["utility"] == best
    # Of equally good thresholds, the highest (asking back is the cheaper mistake).
    assert all(
        row["utility"] < best for row in thresholds if row["threshold"] > chosen["threshold"]
    )


def test_confusion_matrix_png_is_written(nlu_report: dict) -> None:
    png = Path(nlu_report["models"]["shopdesk-bert"]["confusion_png"])
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_an_outside_set_is_scored_beside_the_test_set(tmp_path: Path) -> None:
    outside = _write_csv(
        tmp_path / "outside.csv",
        [(text, label) for label, texts in EXAMPLES.items() for text in texts[10:]],
    )
    report = run_small_benchmark(tmp_path, "--external", str(outside))
    external = report["external"]
    assert external["examples"] == 2 * len(EXAMPLES)
    row = external["models"]["shopdesk-bert"]
    predictions = row["predictions"]
    right = [p["label"] == p["predicted"] for p in predictions]
    assert row["accuracy"] == sum(right) / len(predictions)
    understood = [
        ok and p["confidence"] >= row["fallback_threshold"]
        for ok, p in zip(right, predictions, strict=True)
    ]
    assert row["understood"] == sum(understood) / len(predictions)
    section = markdown_section(report, "small set", [])
    assert "Outside set `outside.csv` (8 requests" in section
    assert f"| shopdesk-bert | {100 * row['accuracy']:.1f} |" in section
