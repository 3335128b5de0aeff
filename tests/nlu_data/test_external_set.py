"""The outside evaluation set (nlu_data/external): big enough, on the intent contract, and kept
out of training, near-duplicates included."""

from __future__ import annotations

import csv

import pytest
from rasa.shared.nlu.training_data.loading import load_data

from shopdesk.bench.nlu.data import NLU_EXTERNAL_SET, NLU_TRAIN_DIR, normalised_words, read_split
from shopdesk.settings import get_settings
from tests.nlu_data.test_nlu_data import REQUIRED_INTENTS


@pytest.fixture(scope="module")
def external_rows() -> list[dict[str, str]]:
    with NLU_EXTERNAL_SET.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _training_texts() -> list[str]:
    files = [NLU_TRAIN_DIR]
    reviewed = get_settings().reviewed_examples
    if reviewed.exists() and reviewed.parent != NLU_TRAIN_DIR:
        files.append(reviewed)
    return [
        example.get("text") for path in files for example in load_data(str(path)).intent_examples
    ]


def test_normalised_words_ignore_case_punctuation_and_apostrophes() -> None:
    assert normalised_words("It's OK!") == normalised_words("its ok") == "its ok"
    assert normalised_words("Where is my order?") != normalised_words("where is my refund")


def test_the_set_has_600_attributed_requests_on_the_intent_contract(
    external_rows: list[dict[str, str]],
) -> None:
    assert len(external_rows) >= 600
    for row in external_rows:
        assert row["text"].strip(), row
        assert row["label"] in REQUIRED_INTENTS, row
        assert row["source"] and row["source_intent"] and row["source_id"], row
        assert row["original"], row
    assert "Bitext" not in {row["source"].split()[0] for row in external_rows}
    # The bench reads it as a labelled split.
    assert len(read_split(NLU_EXTERNAL_SET).texts) == len(external_rows)


def test_no_external_request_or_near_duplicate_is_trained_on(
    external_rows: list[dict[str, str]],
) -> None:
    trained = {normalised_words(text) for text in _training_texts()}
    leaked = [row["text"] for row in external_rows if normalised_words(row["text"]) in trained]
    assert leaked == [], f"outside requests also in nlu_data/train: {leaked[:10]}"


def test_the_set_holds_no_duplicates(external_rows: list[dict[str, str]]) -> None:
    words = [normalised_words(row["text"]) for row in external_rows]
    assert len(words) == len(set(words))
