""" "My usual size" is found as its own entity, and a real size is never taken for it."""

import pytest

from retrieval.message_attributes import extract_attributes


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("show me hiking boots in my usual size", "in my usual size"),
        ("do you have these in my size?", "in my size"),
        ("running shoes, my regular size please", "my regular size"),
        ("In My Normal Size", "In My Normal Size"),
    ],
)
def test_usual_size_phrases(text: str, phrase: str) -> None:
    found = [m for m in extract_attributes(text) if m.entity == "usual_size"]
    assert [(m.text, m.value) for m in found] == [(phrase, "usual")]
    assert text[found[0].start : found[0].end] == phrase


@pytest.mark.parametrize("text", ["running shoes in size 10", "my order 10002", "sizes?"])
def test_no_usual_size_without_the_phrase(text: str) -> None:
    assert all(m.entity != "usual_size" for m in extract_attributes(text))
