"""Finding and masking the personal data shoppers type: emails, phones, cards, addresses, names.

Everything shopdesk stores or sends for analysis (transcripts, logs, the event broker, the
console's index and exports) goes through :func:`redact`, which replaces each finding by a
typed placeholder (``<EMAIL>``, ``<PHONE>``, ``<CARD>``, ``<ADDRESS>``, ``<NAME>``).

Written as patterns plus checksums (the email, phone and card shapes, the card networks'
number ranges with the Luhn check, street types, the phrases that introduce a name) rather
than with Presidio: on the labelled sample in ``nlu_data/privacy/pii_sample.jsonl`` the
patterns meet the recall goals without touching order numbers, SKUs, tracking numbers or ZIP
codes, at well under a millisecond per message, and they need no model. Presidio with
spaCy's small English pipeline, measured on the same sample (``shopdesk bench privacy
--detector both``, docs/benchmarks.md, docs/privacy.md), finds no street address, redacts
tracking numbers and SKUs, and costs about 10 ms per message.

The module imports nothing of Rasa or shopdesk: the Rasa server, the action server, the
console and the command line all use it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

EMAIL = "EMAIL"
PHONE = "PHONE"
CARD = "CARD"
ADDRESS = "ADDRESS"
NAME = "NAME"
#: Every kind of personal data :func:`find` reports.
KINDS = (EMAIL, PHONE, CARD, ADDRESS, NAME)
_PLACEHOLDER = re.compile(r"<(?:EMAIL|PHONE|CARD|ADDRESS|NAME)>")


@dataclass(frozen=True)
class Finding:
    """One piece of personal data in a text: its kind and character span."""

    kind: str
    start: int
    end: int


def placeholder(kind: str) -> str:
    """``"EMAIL"`` -> ``"<EMAIL>"``."""
    return f"<{kind}>"


_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,24}(?![\w-])"
)

# 13 to 19 digits, optionally in groups separated by one space or dash.
_CARD_CANDIDATE = re.compile(r"(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])")


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _card_network_ok(digits: str) -> bool:
    """Whether the number's prefix and length belong to a card network (Visa, Mastercard,
    American Express, Discover, JCB, Diners, UnionPay, Maestro)."""
    length = len(digits)
    two, four = int(digits[:2]), int(digits[:4])
    if digits[0] == "4":
        return length in (13, 16, 19)
    if 51 <= two <= 55 or 2221 <= four <= 2720:
        return length == 16
    if two in (34, 37):
        return length == 15
    if digits.startswith(("6011", "65")) or 644 <= int(digits[:3]) <= 649:
        return length in (16, 19)
    if 3528 <= four <= 3589:
        return length in (16, 19)
    if two in (36, 38, 39) or 300 <= int(digits[:3]) <= 305:
        return length in (14, 16, 19)
    if two == 62:
        return 16 <= length <= 19
    if two in (50, 56, 57, 58, 63, 67):
        return 12 <= length <= 19
    return False


def _cards(text: str) -> Iterable[Finding]:
    for match in _CARD_CANDIDATE.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if _card_network_ok(digits) and _luhn_ok(digits):
            yield Finding(CARD, match.start(), match.end())


# Phone numbers written the way people write them: with a leading + and country code, or a
# US/Canadian number with its area code set apart ("(415) 555-0134", "415-555-0134",
# "415.555.0134", "415 555 0134"). A bare run of 10-11 digits is a phone number only after a
# word that says so ("call me on 4155550134"): carriers' tracking numbers are bare digits too.
_PHONE_INTERNATIONAL = re.compile(
    r"(?<![\w+])(?:\+|00)[1-9]\d{0,2}(?:[ .-]?\(?\d{1,4}\)?){2,5}(?![\w-])"
)
_PHONE_NANP = re.compile(
    r"(?<![\w+-])(?:1[ .-]?)?(?:\(\d{3}\)\s?|\d{3}[ .-])\d{3}[ .-]\d{4}"
    r"(?:\s?(?:x|ext\.?)\s?\d{1,5})?(?![\w-])",
    re.IGNORECASE,
)
# National formats with a trunk 0 ("020 7946 0018", "030 1234567", "06 12 34 56 78").
_PHONE_NATIONAL = re.compile(r"(?<![\w+-])0\d{1,4}(?:[ .-]\d{2,4}){1,4}(?![\w-])")
_PHONE_BARE = re.compile(
    r"(?:phone|mobile|cell|call|text|tel|reach|whatsapp|sms|number)\b[^0-9\n]{0,25}"
    r"(?<![\w-])(\+?\d{10,12})(?![\w-])",
    re.IGNORECASE,
)


def _phones(text: str) -> Iterable[Finding]:
    for pattern in (_PHONE_INTERNATIONAL, _PHONE_NANP, _PHONE_NATIONAL):
        for match in pattern.finditer(text):
            if 7 <= sum(c.isdigit() for c in match.group()) <= 15:
                yield Finding(PHONE, match.start(), match.end())
    for match in _PHONE_BARE.finditer(text):
        if not re.search(r"order|tracking|track|sku|item", match.group()[: match.start(1)], re.I):
            yield Finding(PHONE, match.start(1), match.end(1))


_STREET_SUFFIXES = (
    "street|st|avenue|ave|av|road|rd|boulevard|blvd|drive|dr|lane|ln|way|court|ct|place|pl|"
    "terrace|ter|circle|cir|highway|hwy|parkway|pkwy|square|sq|trail|trl|alley|aly|row|"
    "crescent|cres|close|plaza|plz|loop|pike|run|path|walk|gardens|gdns|mews|broadway"
)
_UNIT = r"(?:,?\s*(?:apt\.?|apartment|suite|ste\.?|unit|fl(?:oor)?\.?|#)\s*#?[\w-]{1,6})?"
# "500 Howard St", "12b N. Main Street, Apt 4", "1600 Pennsylvania Ave NW": a house number,
# one to four words of street name, a street type, then an optional direction and unit. The
# street type must end the phrase (a comma, the end, a unit, a city or ZIP after it): "2 pairs
# of the Trail runners" is an order, not an address.
_STREET = re.compile(
    rf"(?<![\w-])\d{{1,6}}[A-Za-z]?(?:-\d{{1,4}})?\s+"
    rf"(?:(?:[NSEW]|north|south|east|west)\.?\s+)?"
    rf"(?:(?!(?:pairs?|items?|units?|pieces?|pcs|x|of|the|and|or|for|size|sizes|to|on|at|in|"
    rf"from|order|orders|is|was|my)\b|\d{{3,}}\b)[A-Za-z0-9][\w'.-]*\s+){{1,4}}"
    rf"(?:{_STREET_SUFFIXES})\b\.?"
    rf"(?:\s+(?:[NSEW]{{1,2}}|north|south|east|west)\b\.?)?"
    rf"{_UNIT}"
    rf"(?=\s*(?:$|[,.;:!?)\n]|\s+(?:in|at|to|for|and|please)\b|\s+[A-Z][a-z]+(?:\s|,)|\s+\d{{5}}))",
    re.IGNORECASE,
)
_PO_BOX = re.compile(r"\b(?:p\.?\s?o\.?\s?box|post office box)\s*\d{1,8}\b", re.IGNORECASE)


def _addresses(text: str) -> Iterable[Finding]:
    for pattern in (_STREET, _PO_BOX):
        for match in pattern.finditer(text):
            yield Finding(ADDRESS, match.start(), match.end())


_NAME_WORD = r"(?:[A-Z]['’])?[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ'’]+(?:-(?:[A-Z]['’])?[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ'’]+)?"
_FULL_NAME = rf"{_NAME_WORD}(?:\s+(?:[A-Z]\.\s*)?{_NAME_WORD}){{0,2}}"
_NOT_NAMES = frozenset(
    "I Im Hi Hello Hey Thanks Thank Yes No Ok Okay Looking Trying Just Still Not So Here There "
    "Interested Wondering Waiting Sorry Happy Calling Writing Asking Good Fine Back Done Order "
    "Tracking The A An My Your This That It Sure Please".split()
)
# A name the shopper gives about themselves ("my name is Alex Morgan", "this is Sam", "I'm
# Jordan Lee", "name: Priya Patel"), and the recipient name that opens an address typed as
# "name, street, city, state ZIP" (the address form's format).
_NAME_CUES = re.compile(
    rf"(?:\bmy name is|\bmy name's|\bname\s*:|\bi am|\bi'?m|\bthis is|\bit'?s|\bcall me|"
    rf"\bsigned,?|\bregards,|\bthanks,|\bcheers,|\bbest,|\bin the name of|\bunder the name|"
    # The bot greeting a verified customer: "Welcome back, Alex!", "Hi Alex!".
    rf"\bwelcome back,?|^(?:hi|hello|hey|dear)\b,?)"
    rf"\s+(?P<name>(?-i:{_FULL_NAME}))"
    # A name ends the phrase: "This is Stridewell Tempo 3 right?" names a product.
    rf"(?=\s*(?:$|[,.;:!?)\n]|\s(?:and|here|from|speaking|again|with|about|i|my)\b))",
    re.IGNORECASE,
)
_NAME_OPENING_ADDRESS = re.compile(
    rf"(?:^\s*|\b(?:to|for|attn:?|recipient:?)\s+)(?P<name>{_FULL_NAME})\s*,\s*(?=\d)"
)
_NAME_LOWER_CUE = re.compile(
    r"\bmy name is\s+(?P<name>[a-z][a-z'-]+(?:\s+[a-z][a-z'-]+)?)\b(?=\s*(?:$|[,.!?]|and\b))",
    re.IGNORECASE,
)


def _names(text: str) -> Iterable[Finding]:
    for pattern in (_NAME_CUES, _NAME_OPENING_ADDRESS, _NAME_LOWER_CUE):
        for match in pattern.finditer(text):
            words = match.group("name").split()
            while words and words[-1].rstrip(".").capitalize() in _NOT_NAMES:
                words.pop()
            if not words or words[0].capitalize() in _NOT_NAMES:
                continue
            start = match.start("name")
            yield Finding(NAME, start, start + len(" ".join(words)))


def _emails(text: str) -> Iterable[Finding]:
    return (Finding(EMAIL, m.start(), m.end()) for m in _EMAIL.finditer(text))


# Cheap tests that decide which detectors can find anything in a text at all: most strings
# the bot stores (product titles, links, prices) pass none, and cost a few scans.
_ADDRESS_TRIGGER = re.compile(r"\d[A-Za-z]?\s+[A-Za-z]|box", re.IGNORECASE)
_NAME_TRIGGER = re.compile(
    r"name|\bi\s?a?m\b|\bi'm\b|this is|call me|signed|regards|thanks|cheers|best,|welcome|"
    r"^(?:hi|hello|hey|dear)\b|"
    r"\b(?:to|for|attn|recipient)\b|^\s*[A-Z][^,]{1,60},\s*\d",
    re.IGNORECASE,
)
_DETECTORS: tuple[tuple[Callable[[str, int], bool], Callable[[str], Iterable[Finding]]], ...] = (
    (lambda text, digits: "@" in text, _emails),
    (lambda text, digits: digits >= 12, _cards),
    (lambda text, digits: digits >= 7, _phones),
    (lambda text, digits: digits > 0 and bool(_ADDRESS_TRIGGER.search(text)), _addresses),
    (lambda text, digits: bool(_NAME_TRIGGER.search(text)), _names),
)
# When two findings overlap, the earlier kind in this order wins.
_PRIORITY = {EMAIL: 0, CARD: 1, ADDRESS: 2, PHONE: 3, NAME: 4}


def find(text: str) -> list[Finding]:
    """The personal data in ``text``, in order, without overlaps."""
    if not text:
        return []
    digits = sum(map(str.isdigit, text))
    found = [
        finding
        for applies, detect in _DETECTORS
        if applies(text, digits)
        for finding in detect(text)
    ]
    found.sort(key=lambda f: (_PRIORITY[f.kind], f.start))
    kept: list[Finding] = []
    for finding in found:
        if all(finding.end <= k.start or finding.start >= k.end for k in kept):
            kept.append(finding)
    return sorted(kept, key=lambda f: f.start)


@dataclass(frozen=True)
class Redaction:
    """A redacted text and where each finding's placeholder ended up."""

    text: str
    findings: tuple[Finding, ...]
    #: ``(original span, new span)`` of each placeholder, in order.
    moves: tuple[tuple[tuple[int, int], tuple[int, int]], ...]

    def new_span(self, start: int, end: int) -> tuple[int, int] | None:
        """Where the original span ``start:end`` is in the redacted text.

        ``None`` when it overlaps a finding only partly (it then covers the placeholder).
        """
        shift = 0
        for (old_start, old_end), (new_start, new_end) in self.moves:
            if end <= old_start:
                break
            if start >= old_end:
                shift = new_end - old_end
                continue
            return (min(start, old_start) + (new_start - old_start), new_end)
        return (start + shift, end + shift)


def redact_text(text: str) -> Redaction:
    """``text`` with every finding replaced by its placeholder."""
    findings = find(text)
    if not findings:
        return Redaction(text, (), ())
    parts: list[str] = []
    moves = []
    position = 0
    length = 0
    for finding in findings:
        parts.append(text[position : finding.start])
        length += finding.start - position
        mark = placeholder(finding.kind)
        moves.append(((finding.start, finding.end), (length, length + len(mark))))
        parts.append(mark)
        length += len(mark)
        position = finding.end
    parts.append(text[position:])
    return Redaction("".join(parts), tuple(findings), tuple(moves))


@lru_cache(maxsize=8192)
def redact(text: str) -> str:
    """``text`` with emails, phones, cards, addresses and names replaced by placeholders.

    Results are remembered: the bot repeats product titles, links and prices in every list.
    """
    return redact_text(text).text


def redact_value(value: Any) -> Any:
    """A slot value or JSON-like structure with every string in it redacted."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [redact_value(item) for item in value]
    if isinstance(value, tuple):
        return tuple(redact_value(item) for item in value)
    if isinstance(value, dict):
        return {key: redact_value(item) for key, item in value.items()}
    return value


def is_placeholder(text: str) -> bool:
    """Whether ``text`` is one placeholder, such as ``"<EMAIL>"``."""
    return bool(_PLACEHOLDER.fullmatch(text.strip()))


class _RedactingRecordFactory:
    """Log record factory that redacts each record's message before any handler sees it."""

    def __init__(self, previous: Callable[..., logging.LogRecord]) -> None:
        self.previous = previous

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = self.previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to logging's own error report
            return record
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return record


def install_log_redaction() -> None:
    """Redact every log message of this process from now on (idempotent)."""
    current = logging.getLogRecordFactory()
    if not isinstance(current, _RedactingRecordFactory):
        logging.setLogRecordFactory(_RedactingRecordFactory(current))
