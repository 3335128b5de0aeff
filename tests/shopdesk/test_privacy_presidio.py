"""The Presidio adapter of `shopdesk bench privacy`: entity types mapped to ours, overlaps
resolved, the parts of one address joined, and the redaction it scores. No model needed."""

from dataclasses import dataclass

from shopdesk.bench.privacy_presidio import mask, to_findings
from storage.pii import Finding


@dataclass
class Result:
    entity_type: str
    start: int
    end: int


def test_presidio_types_become_ours_and_others_are_dropped():
    text = "I'm Maria Lopez, maria@example.com, card 4111 1111 1111 1111, call +1 415 555 0134"
    spans = {
        "PERSON": "Maria Lopez",
        "EMAIL_ADDRESS": "maria@example.com",
        "CREDIT_CARD": "4111 1111 1111 1111",
        "PHONE_NUMBER": "+1 415 555 0134",
        "URL": "example.com",
    }
    results = [Result(kind, text.index(v), text.index(v) + len(v)) for kind, v in spans.items()]
    kinds = [(f.kind, text[f.start : f.end]) for f in to_findings(text, results)]
    assert kinds == [
        ("NAME", "Maria Lopez"),
        ("EMAIL", "maria@example.com"),
        ("CARD", "4111 1111 1111 1111"),
        ("PHONE", "+1 415 555 0134"),
    ]


def test_overlapping_findings_keep_the_stronger_kind_and_address_parts_join():
    text = "ship to Oak Street, Springfield please, phone 4111111111111111"
    oak, spring = text.index("Oak Street"), text.index("Springfield")
    card = text.index("4111")
    results = [
        Result("LOCATION", oak, oak + len("Oak Street")),
        Result("LOCATION", spring, spring + len("Springfield")),
        Result("PHONE_NUMBER", card, card + 16),
        Result("CREDIT_CARD", card, card + 16),
    ]
    findings = to_findings(text, results)
    assert findings == [
        Finding("ADDRESS", oak, spring + len("Springfield")),
        Finding("CARD", card, card + 16),
    ]
    assert mask(text, findings) == "ship to <ADDRESS> please, phone <CARD>"


def test_nothing_found_leaves_the_text_as_it_is():
    assert to_findings("where is order 10002?", []) == []
    assert mask("where is order 10002?", []) == "where is order 10002?"
