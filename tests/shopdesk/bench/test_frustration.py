"""``shopdesk bench frustration`` on a small labelled set the test writes itself."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

from shopdesk.cli import main

ANGRY = [
    "this is ridiculous, {} times I asked about my {} and still nothing!!!",
    "worst service ever, my {} is {} days late and nobody answers",
    "I'm fed up, {} emails about the {} and you keep ignoring me",
]
CALM = [
    "hi, could you tell me when my {} will arrive? it's order {}",
    "do you have the {} in size {}? thanks",
    "thank you, the {} arrived and fits well, size {}",
]
FILLERS = [("3", "refund"), ("5", "parcel"), ("4", "jacket"), ("2", "order")]


def write_labelled(path: Path) -> None:
    """Plainly angry and plainly calm messages, alternating between tune and test."""
    rows = []
    for label, templates in ((1, ANGRY), (0, CALM)):
        pairs = itertools.product(templates, FILLERS, ("", " please"))
        for number, (template, (a, b), tail) in enumerate(pairs):
            text = template.format(a, b) if label else template.format(b, a)
            split = "tune" if number % 2 == 0 else "test"
            rows.append({"split": split, "frustrated": label, "text": text + tail})
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["split", "frustrated", "text"])
        writer.writeheader()
        writer.writerows(rows)


def test_the_bench_chooses_the_threshold_on_tune_and_reports_test(tmp_path: Path, capsys) -> None:
    data = tmp_path / "labelled.csv"
    write_labelled(data)
    assert main(["bench", "frustration", "--data", str(data)]) == 0
    out = capsys.readouterr().out
    assert "tune: precision 1.000 recall 1.000" in out
    test = next(line for line in out.splitlines() if line.startswith("test: "))
    precision, recall = (float(test.split()[i]) for i in (2, 4))
    # The threshold sits at the lowest frustrated score seen on tune, so some angry test
    # messages may fall just below it; no calm one is flagged.
    assert precision == 1.0 and recall > 0.5, test
    # At the bot's default threshold every angry message and no calm one is flagged.
    assert "(SHOPDESK_FRUSTRATION_THRESHOLD): precision 1.000 recall 1.000" in out
    assert "cost per message: CPU median" in out


def test_a_missing_file_is_named_with_what_to_pass(tmp_path: Path, capsys) -> None:
    assert main(["bench", "frustration", "--data", str(tmp_path / "none.csv")]) == 2
    assert "pass --data" in capsys.readouterr().out


def test_the_fresh_set_is_scored_at_the_threshold_chosen_on_tune(tmp_path: Path, capsys) -> None:
    data, fresh = tmp_path / "labelled.csv", tmp_path / "fresh.csv"
    write_labelled(data)
    with fresh.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["split", "frustrated", "text"])
        writer.writeheader()
        writer.writerow({"split": "fresh", "frustrated": 1, "text": "worst shop ever, fed up!!!"})
        writer.writerow({"split": "fresh", "frustrated": 1, "text": "where is my parcel?"})
        writer.writerow({"split": "fresh", "frustrated": 0, "text": "thanks, it fits well"})
    assert main(["bench", "frustration", "--data", str(data), "--fresh", str(fresh)]) == 0
    out = capsys.readouterr().out
    # Every row counts, whatever its split; the calm-sounding frustrated one is missed.
    assert "fresh (3 messages, 2 frustrated): precision 1.000 recall 0.500" in out


def test_a_missing_fresh_file_is_refused(tmp_path: Path, capsys) -> None:
    data = tmp_path / "labelled.csv"
    write_labelled(data)
    missing = tmp_path / "none.csv"
    assert main(["bench", "frustration", "--data", str(data), "--fresh", str(missing)]) == 2
    assert "No fresh labelled messages" in capsys.readouterr().out
