"""The frustration scorer: known answers for calm, angry, threatening and repeated messages."""

from __future__ import annotations

import csv

import pytest

from models.frustration import WEIGHTS, Conversation, FrustrationScorer
from shopdesk.bench.frustration import DEFAULT_DATA, choose_threshold, load_messages, quality
from shopdesk.settings import Settings

THRESHOLD = Settings().frustration_threshold
FRESH_LABELS = DEFAULT_DATA.parent / "twcs_fresh_labels.csv"


@pytest.fixture(scope="module")
def scorer() -> FrustrationScorer:
    return FrustrationScorer()


def test_the_angry_refund_message_is_well_above_the_threshold(scorer) -> None:
    result = scorer.score("this is ridiculous, third time I ask and still no refund!!!")
    assert result.score >= THRESHOLD + 0.3
    assert {"exasperation", "repetition", "exclamations"} <= set(result.signals)
    assert result.sentiment < 0


@pytest.mark.parametrize(
    "text",
    [
        "where is my order 10002?",
        "do you have running shoes under $100",
        "Thanks, that was really helpful",
        "what sizes does the Stridewell Tempo 3 come in?",
        "I'd like to return the jacket, it's too small",
        "nobody@example.com",
        "see https://shop.example/fail-safe-boots",
        "how many days until a refund shows up?",
        "can I return an item after 30 days?",
        "how long does a refund take?",
        "I ordered 3 days ago, when will it ship?",
    ],
)
def test_calm_messages_score_below_the_threshold(scorer, text) -> None:
    result = scorer.score(text)
    assert result.score < THRESHOLD, result


def test_a_threat_alone_is_enough(scorer) -> None:
    # VADER hears nothing in it (compound 0), so the score is exactly the threat's weight.
    result = scorer.score("I will file a chargeback")
    assert result.sentiment == 0.0
    assert result.signals == ("threat",)
    assert result.score == WEIGHTS["threat"] >= THRESHOLD
    assert "threat" in scorer.score("I'm going to dispute the charge with my bank").signals
    assert "threat" in scorer.score("cancel my account, I'm shopping elsewhere").signals


@pytest.mark.parametrize(
    "text",
    [
        "so are you going to fix this or nah",
        "thanks for breaking my phone with the update",
        "is this how you treat your customers",
    ],
)
def test_sarcasm_and_rhetorical_blame_reach_the_threshold(scorer, text) -> None:
    result = scorer.score(text)
    assert "rhetoric" in result.signals
    assert result.score >= THRESHOLD, result


def test_thanks_without_sarcasm_is_not_rhetoric(scorer) -> None:
    assert "rhetoric" not in scorer.score("thanks for the quick help with my return").signals


def test_shouting_needs_several_words_in_capitals(scorer) -> None:
    assert "shouting" in scorer.score("WHERE IS MY PARCEL").signals
    assert "shouting" not in scorer.score("Is the UK delivery by DHL?").signals


def test_two_misunderstood_messages_in_a_row_count_fully(scorer) -> None:
    text = "blorp the flux capacitor"
    once = scorer.score(text, Conversation(fallbacks_in_a_row=1))
    twice = scorer.score(text, Conversation(fallbacks_in_a_row=2))
    assert once.score == pytest.approx(WEIGHTS["fallbacks"] / 2)
    assert once.score < THRESHOLD
    assert twice.score == pytest.approx(WEIGHTS["fallbacks"])
    assert twice.score >= THRESHOLD
    assert scorer.score(text).score == 0.0


def test_the_same_question_again_counts(scorer) -> None:
    earlier = ["hi", "when will my refund for order 10002 arrive"]
    again = scorer.score("when will the refund for order 10002 arrive", Conversation(earlier))
    assert "repeated_question" in again.signals
    assert again.score >= THRESHOLD
    other = scorer.score("do you sell rain jackets in navy", Conversation(earlier))
    assert "repeated_question" not in other.signals


def test_threshold_choice_takes_the_most_recall_at_the_target_precision() -> None:
    scores = [0.1, 0.3, 0.5, 0.6, 0.9]
    labels = [False, True, False, True, True]
    chosen = choose_threshold(scores, labels, target_precision=0.85)
    assert chosen.threshold == 0.6
    assert (chosen.precision, chosen.recall) == (1.0, pytest.approx(2 / 3))
    lower = quality(scores, labels, 0.3)
    assert lower.precision == 0.75 and lower.recall == 1.0


def test_the_labelled_set_is_large_enough_and_split_in_two() -> None:
    messages = load_messages(DEFAULT_DATA)
    assert len(messages) >= 300
    for split in ("tune", "test"):
        part = [m for m in messages if m.split == split]
        assert len(part) >= 150
        assert 0.2 < sum(m.frustrated for m in part) / len(part) < 0.8


def test_the_fresh_labels_share_no_message_with_the_tuning_set() -> None:
    with FRESH_LABELS.open(encoding="utf-8", newline="") as handle:
        fresh = list(csv.DictReader(handle))
    assert len(fresh) >= 300
    assert {row["frustrated"] for row in fresh} == {"0", "1"}
    with DEFAULT_DATA.open(encoding="utf-8", newline="") as handle:
        used = {row["tweet_id"] for row in csv.DictReader(handle)}
    fresh_ids = [row["tweet_id"] for row in fresh]
    assert len(set(fresh_ids)) == len(fresh_ids)
    assert not used & set(fresh_ids)
