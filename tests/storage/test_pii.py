"""The personal-data detector on the labelled sample and on the values flows depend on."""

from __future__ import annotations

from shopdesk.bench.privacy import RECALL_GOALS, load_sample, score
from storage.pii import redact, redact_text


def test_the_labelled_sample_meets_the_recall_goals_and_keeps_ids_readable() -> None:
    result = score(load_sample())
    assert result.messages >= 300
    for kind, goal in RECALL_GOALS.items():
        assert result.recall(kind) >= goal, (kind, result.misses)
    assert result.kept_broken == []


def test_each_kind_becomes_its_placeholder() -> None:
    text = (
        "I'm Dana Whitfield, card 4111-1111-1111-1111, mail dana.w@example.org, "
        "phone +1 415 555 0134, ship to 88 Birch Road, Apt 3, Portland, OR 97205"
    )
    assert redact(text) == (
        "I'm <NAME>, card <CARD>, mail <EMAIL>, phone <PHONE>, ship to <ADDRESS>, "
        "Portland, OR 97205"
    )


def test_numbers_that_are_not_cards_stay() -> None:
    # Fails the Luhn check / is a tracking number / an order number with a ZIP code.
    for text in ("4111 1111 1111 1112", "9400111899223847561234", "order 10002 zip 94107"):
        assert redact(text) == text


def test_spans_after_the_placeholders_move_with_the_text() -> None:
    text = "mail a@b.co about order 10002"
    redaction = redact_text(text)
    start = text.index("10002")
    new_start, new_end = redaction.new_span(start, start + 5)
    assert redaction.text[new_start:new_end] == "10002"
