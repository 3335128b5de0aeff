"""The frustration scorer, trained on the shipped labelled messages with the bundled sentence
embeddings: known answers for angry, calm, threatening and repeated messages, saving and
loading, and training's refusals."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from models.frustration import (
    CALIBRATED_THRESHOLD,
    EMBEDDING_MODEL,
    FIXED_WEIGHTS,
    Conversation,
    CorruptFrustrationModel,
    FrustrationModel,
    FrustrationModelNotFound,
    FrustrationScorer,
    IncompatibleFrustrationModel,
)
from models.frustration_training import (
    FrustrationDataError,
    choose_threshold,
    load_messages,
    quality,
    train_from_file,
)
from retrieval.embeddings import TextEncoder
from shopdesk.settings import FRUSTRATION_DATA, Settings

THRESHOLD = Settings().frustration_threshold
ANGRY = "this is ridiculous, third time I ask and still no refund!!!"


@pytest.fixture(scope="module")
def encoder() -> TextEncoder:
    return TextEncoder(EMBEDDING_MODEL)


@pytest.fixture(scope="module")
def model(encoder) -> FrustrationModel:
    trained, _ = train_from_file(FRUSTRATION_DATA, encoder.encode, EMBEDDING_MODEL)
    return trained


@pytest.fixture(scope="module")
def scorer(model, encoder) -> FrustrationScorer:
    return FrustrationScorer(model, encoder.encode)


def test_the_default_threshold_is_the_one_chosen_in_training() -> None:
    assert THRESHOLD == CALIBRATED_THRESHOLD


@pytest.mark.parametrize(
    "text",
    [
        ANGRY,
        "where is my refund?? I have asked three times already!!!",
        "why is this taking so long?? I asked three times already!!!",
        "This is the worst service ever, I'm fed up with waiting for my parcel",
    ],
)
def test_angry_repeated_complaints_score_above_the_threshold(scorer, text) -> None:
    result = scorer.score(text)
    assert result.score >= THRESHOLD, result


def test_the_angry_refund_message_is_well_above_the_threshold(scorer) -> None:
    result = scorer.score(ANGRY)
    assert result.score >= THRESHOLD + 0.3
    assert {"exasperation", "asked_again", "exclamations"} <= set(result.signals)
    assert result.sentiment < 0


@pytest.mark.parametrize(
    "text",
    [
        "where is my order 10002?",
        "do you have running shoes under $100",
        "Thanks, that was really helpful",
        "what sizes does the Stridewell Tempo 3 come in?",
        "I'd like to return the jacket, it's too small",
        "Could you tell me when my refund will arrive, please?",
        "nobody@example.com",
        "see https://shop.example/fail-safe-boots",
        "WHERE IS MY PARCEL",  # shouting alone, no blame: not frustrated by the labelling rules
    ],
)
def test_calm_messages_score_below_the_threshold(scorer, text) -> None:
    result = scorer.score(text)
    assert result.score < THRESHOLD, result


def test_an_address_or_link_alone_scores_nothing(scorer) -> None:
    assert scorer.score("nobody@example.com").score == 0.0
    assert scorer.score("").score == 0.0


@pytest.mark.parametrize(
    "text",
    [
        "I will file a chargeback",
        "I'm going to dispute the charge with my bank",
        "cancel my account, I'm shopping elsewhere",
    ],
)
def test_a_threat_alone_is_enough(scorer, text) -> None:
    result = scorer.score(text)
    assert "threat" in result.signals
    assert result.score >= THRESHOLD


def test_shouting_needs_several_words_in_capitals(scorer) -> None:
    assert "shouting" in scorer.score("WHERE IS MY PARCEL").signals
    assert "shouting" not in scorer.score("Is the UK delivery by DHL?").signals


def test_two_misunderstood_messages_in_a_row_are_enough(scorer) -> None:
    text = "blorp the flux capacitor"
    alone = scorer.score(text).score
    once = scorer.score(text, Conversation(fallbacks_in_a_row=1))
    twice = scorer.score(text, Conversation(fallbacks_in_a_row=3))
    assert alone < THRESHOLD
    assert once.score == pytest.approx(alone + FIXED_WEIGHTS["fallbacks"] / 2, abs=1e-4)
    assert once.score < THRESHOLD <= twice.score
    assert twice.score == pytest.approx(alone + FIXED_WEIGHTS["fallbacks"], abs=1e-4)
    assert "fallbacks" in twice.signals


def test_the_same_question_again_counts(scorer) -> None:
    earlier = ["hi", "when will my refund for order 10002 arrive"]
    again = scorer.score("when will the refund for order 10002 arrive", Conversation(earlier))
    assert "repeated_question" in again.signals
    assert again.score >= THRESHOLD
    other = scorer.score("do you sell rain jackets in navy", Conversation(earlier))
    assert "repeated_question" not in other.signals
    assert other.score < THRESHOLD


def test_a_saved_model_scores_the_same_after_loading(model, encoder, tmp_path) -> None:
    loaded = FrustrationModel.load(model.save(tmp_path / "frustration"))
    assert loaded == model
    assert loaded.built_from["split"] == "tune" and loaded.built_from["messages"] == 300
    before = FrustrationScorer(model, encoder.encode).score(ANGRY)
    assert FrustrationScorer(loaded, encoder.encode).score(ANGRY) == before


def test_a_broken_or_foreign_model_directory_is_refused_with_the_fix(model, tmp_path) -> None:
    with pytest.raises(FrustrationModelNotFound, match="shopdesk train --force"):
        FrustrationModel.load(tmp_path / "nothing")
    saved = model.save(tmp_path / "frustration")
    manifest = saved / "manifest.json"
    data = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**data, "kind": "intent-classifier"}))
    with pytest.raises(IncompatibleFrustrationModel, match="not a frustration model"):
        FrustrationModel.load(saved)
    manifest.write_text(json.dumps(data))
    (saved / "weights.json").write_text("{not json")
    with pytest.raises(CorruptFrustrationModel, match="cannot be read"):
        FrustrationModel.load(saved)


def test_training_refuses_a_file_without_labels_or_too_few_messages(encoder, tmp_path) -> None:
    unlabelled = tmp_path / "unlabelled.csv"
    unlabelled.write_text("text,frustrated,split\nhello,maybe,tune\n", encoding="utf-8")
    with pytest.raises(FrustrationDataError, match="line 2: 'frustrated' must be 0 or 1"):
        train_from_file(unlabelled, encoder.encode, EMBEDDING_MODEL)
    few = tmp_path / "few.csv"
    few.write_text("text,frustrated,split\nhello,0,tune\nthis sucks,1,tune\n", encoding="utf-8")
    with pytest.raises(FrustrationDataError, match="Too few labelled messages"):
        train_from_file(few, encoder.encode, EMBEDDING_MODEL)
    with pytest.raises(FrustrationDataError, match="SHOPDESK_FRUSTRATION_DATA"):
        train_from_file(tmp_path / "missing.csv", encoder.encode, EMBEDDING_MODEL)


def test_training_uses_only_the_tune_half(encoder, tmp_path) -> None:
    # The test half's labels flipped: a model trained on the tune half alone is unchanged.
    flipped = tmp_path / "flipped.csv"
    shutil.copy(FRUSTRATION_DATA, flipped)
    lines = flipped.read_text(encoding="utf-8").splitlines()
    rows = [lines[0]]
    for line in lines[1:]:
        if ",test,0," in line:
            line = line.replace(",test,0,", ",test,1,", 1)
        elif ",test,1," in line:
            line = line.replace(",test,1,", ",test,0,", 1)
        rows.append(line)
    flipped.write_text("\n".join(rows) + "\n", encoding="utf-8")
    original, _ = train_from_file(FRUSTRATION_DATA, encoder.encode, EMBEDDING_MODEL)
    other, _ = train_from_file(flipped, encoder.encode, EMBEDDING_MODEL)
    assert other.weights == original.weights and other.threshold == original.threshold


def test_threshold_choice_takes_the_most_recall_at_the_target_precision() -> None:
    scores = [0.1, 0.3, 0.5, 0.6, 0.9]
    labels = [False, True, False, True, True]
    chosen = choose_threshold(scores, labels, target_precision=0.85)
    assert chosen.threshold == 0.6
    assert (chosen.precision, chosen.recall) == (1.0, pytest.approx(2 / 3))
    lower = quality(scores, labels, 0.3)
    assert lower.precision == 0.75 and lower.recall == 1.0


def test_the_labelled_set_is_large_enough_and_split_in_two() -> None:
    messages = load_messages(Path(FRUSTRATION_DATA))
    assert len(messages) >= 300
    for split in ("tune", "test"):
        part = [m for m in messages if m.split == split]
        assert len(part) >= 150
        assert 0.2 < sum(m.frustrated for m in part) / len(part) < 0.8
