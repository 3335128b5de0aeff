"""The shop's knowledge base file: the demo file's content, validation, the fingerprint."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from retrieval.knowledge_base import (
    KNOWLEDGE_TOPICS,
    KnowledgeBase,
    KnowledgeBaseFormatError,
    KnowledgeBaseNotFoundError,
)
from tests.helpers.knowledge_base import DEMO_KB, SMALL_KB, write_kb


@pytest.fixture(scope="module")
def demo_kb() -> KnowledgeBase:
    return KnowledgeBase.from_file(DEMO_KB)


# --------------------------------------------------------------------------- the demo file


def test_demo_knowledge_base_covers_every_topic_with_enough_paraphrases(
    demo_kb: KnowledgeBase,
) -> None:
    assert 40 <= len(demo_kb) <= 60
    assert set(demo_kb.topics) == set(KNOWLEDGE_TOPICS)
    for entry in demo_kb:
        assert 3 <= len(entry.questions) <= 6, entry.id


def test_demo_knowledge_base_states_consistent_policies(demo_kb: KnowledgeBase) -> None:
    answers = " ".join(entry.answer for entry in demo_kb)
    # Every return window mentioned is the 30-day one.
    assert set(re.findall(r"(\d+) days of delivery", answers)) == {"30"}
    assert "30 days" in demo_kb.get("return-window").answer
    assert "can't be returned" in demo_kb.get("final-sale-items").answer
    refund = demo_kb.get("refund-timing").answer
    assert "5–7 business days" in refund and "original payment method" in refund
    contact = demo_kb.get("contact-details").answer
    assert "+1 (800) 555-0142" in contact and "support@shop.example.com" in contact
    assert "Monday to Friday, 9:00–17:00 Pacific" in contact
    assert "shopdesk kb reindex" in DEMO_KB.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- validation


def small_entries(**changes) -> list[dict]:
    """The small knowledge base with its third entry, 'returns', changed (``...`` drops a field)."""
    entries = [dict(entry) for entry in SMALL_KB["entries"]]
    entries[2].update(changes)
    return [{key: value for key, value in entry.items() if value is not ...} for entry in entries]


@pytest.mark.parametrize(
    "entries, entry, field, message",
    [
        (small_entries(answer=...), "returns", "answer", "entry 'returns': missing 'answer'"),
        (small_entries(answer="   "), "returns", "answer", "entry 'returns': 'answer' is empty"),
        (
            small_entries(questions=[]),
            "returns",
            "questions",
            "entry 'returns': missing 'questions'",
        ),
        (
            small_entries(questions="Can I return it?"),
            "returns",
            "questions",
            "'questions' must be a list",
        ),
        (
            small_entries(questions=["Can I return it?", True]),
            "returns",
            "questions",
            "entry 'returns': question 2 must be text, got True; put it in double quotes",
        ),
        (
            small_entries(topic="returns"),
            "returns",
            "topic",
            "entry 'returns': unknown topic 'returns'",
        ),
        (
            small_entries(id="delivery-time"),
            "delivery-time",
            "id",
            "entry 'delivery-time': duplicate id",
        ),
        (small_entries(id=...), "#3", "id", "entry #3: missing 'id'"),
        (small_entries(id="free returns"), "free returns", "id", "must not contain spaces"),
        (
            small_entries(anwser="typo"),
            "returns",
            "anwser",
            "entry 'returns': unknown field 'anwser'",
        ),
        (
            small_entries(questions=["Can I call you?"]),
            "phone",
            "questions",
            "entry 'phone': question 'Can I call you?' also belongs to entry 'returns'",
        ),
    ],
)
def test_validation_errors_name_the_entry_field_and_line(
    tmp_path: Path, entries: list[dict], entry: str, field: str, message: str
) -> None:
    kb_file = write_kb(tmp_path / "kb.yml", {"entries": entries})
    with pytest.raises(KnowledgeBaseFormatError) as caught:
        KnowledgeBase.from_file(kb_file)
    error = caught.value
    assert message in str(error)
    assert (error.entry, error.field) == (entry, field)
    lines = kb_file.read_text().splitlines()
    assert lines[error.line - 1].startswith("- ") and f"{kb_file}, line {error.line}:" in str(error)


def test_topics_can_be_left_open(tmp_path: Path) -> None:
    kb_file = write_kb(tmp_path / "kb.yml", {"entries": small_entries(topic="gift_services")})
    assert KnowledgeBase.from_file(kb_file, topics=None).get("returns").topic == "gift_services"
    kb = KnowledgeBase.from_file(kb_file, topics=["gift_services", *KNOWLEDGE_TOPICS])
    assert "gift_services" in kb.topics


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    kb_file = tmp_path / "kb.yml"
    kb_file.write_text(
        "entries:\n  - id: a\n    topic: invoice\n    answer: Our address: 1 Main St\n"
    )
    with pytest.raises(KnowledgeBaseFormatError, match=r"line 4: not valid YAML") as caught:
        KnowledgeBase.from_file(kb_file)
    assert caught.value.line == 4


@pytest.mark.parametrize("text", ["", "- id: a\n", "entries: []\n", "entries:\n  shipping: free\n"])
def test_file_without_a_list_of_entries_is_rejected(tmp_path: Path, text: str) -> None:
    kb_file = tmp_path / "kb.yml"
    kb_file.write_text(text)
    with pytest.raises(KnowledgeBaseFormatError, match="entries"):
        KnowledgeBase.from_file(kb_file)


def test_missing_file_says_how_to_fix_it(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeBaseNotFoundError, match="docs/knowledge-base.md"):
        KnowledgeBase.from_file(tmp_path / "missing.yml")


def test_fingerprint_follows_content_not_layout() -> None:
    kb = KnowledgeBase.from_entries(SMALL_KB["entries"])
    rewrapped = [dict(entry) for entry in SMALL_KB["entries"]]
    rewrapped[0]["answer"] = "Orders arrive in\n  2-4 business   days."
    assert KnowledgeBase.from_entries(rewrapped).fingerprint == kb.fingerprint
    rewrapped[0]["answer"] = "Orders arrive in 3-5 business days."
    assert KnowledgeBase.from_entries(rewrapped).fingerprint != kb.fingerprint
