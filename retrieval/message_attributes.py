"""Attributes in a shopper's words: price bounds, sizes, order numbers, emails and ZIP codes.

Lookup tables cover words that come from the catalog (brands, colours, categories), but
prices, sizes, order numbers and ZIP codes are open-ended and need their context ("under",
"size", "zip"), so they are read by these patterns. Written by hand because no library parses
shopping price phrases; the patterns are small, tested, and run in microseconds on the message
path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Longest text the patterns look at; a 1 MB message is cut here rather than scanned whole.
MAX_SCANNED_CHARS = 2_000


@dataclass(frozen=True)
class AttributeMention:
    """One attribute found in a message: entity type, normalised value and character span."""

    entity: str
    value: str
    start: int
    end: int
    text: str


_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?"
_AMOUNT = (
    rf"(?P<NAME>[$€£]\s?(?:{_NUMBER})"
    rf"|(?:{_NUMBER})(?=\s*(?:dollars?|bucks|usd|eur|euros?|gbp|pounds?)\b)"
    rf"|(?:{_NUMBER}))"
)
_CURRENCY_WORD = r"(?:\s*(?:dollars?|bucks|usd|eur|euros?|gbp|pounds?))?"


def _amount(name: str) -> str:
    return _AMOUNT.replace("NAME", name)


_BETWEEN = re.compile(
    rf"\b(?:between|from)\s+{_amount('low')}{_CURRENCY_WORD}\s*(?:and|to|-)\s*{_amount('high')}",
    re.IGNORECASE,
)
_RANGE = re.compile(
    rf"(?<![\w.]){_amount('low')}\s*(?:-|–|to)\s*{_amount('high')}{_CURRENCY_WORD}\b",
    re.IGNORECASE,
)
_AT_MOST = re.compile(
    r"\b(?:under|below|less\s+than|cheaper\s+than|up\s+to|at\s+most|no\s+more\s+than|"
    r"not\s+more\s+than|max(?:imum)?(?:\s+of)?|within|lower\s+than|budget\s+(?:is|of)|<=?)\s*"
    + _amount("high"),
    re.IGNORECASE,
)
# "no more than 70" / "not more than 70" is an upper bound (_AT_MOST), never a lower one.
_AT_LEAST = re.compile(
    r"\b(?<!no\s)(?<!not\s)(?:over|above|more\s+than|at\s+least|min(?:imum)?(?:\s+of)?|starting\s+at|higher\s+than|>=?)\s*"
    + _amount("low"),
    re.IGNORECASE,
)

_LETTER_SIZES = {
    "xs": "XS",
    "x-small": "XS",
    "extra small": "XS",
    "extra-small": "XS",
    "s": "S",
    "small": "S",
    "m": "M",
    "medium": "M",
    "l": "L",
    "large": "L",
    "xl": "XL",
    "x-large": "XL",
    "extra large": "XL",
    "extra-large": "XL",
    "xxl": "XXL",
    "2xl": "XXL",
    "xx-large": "XXL",
    "s/m": "S/M",
    "l/xl": "L/XL",
}
_LETTER_ALTERNATION = "|".join(sorted((re.escape(k) for k in _LETTER_SIZES), key=len, reverse=True))
_SHOE_SIZE = r"(?:[4-9]|1[0-6])(?:\.5)?"
_SIZE_AFTER_CUE = re.compile(
    rf"\b(?:size|sz|in\s+a|in\s+an|in)\s+(?:us\s+)?(?P<size>{_LETTER_ALTERNATION}|{_SHOE_SIZE})(?![\w.])",
    re.IGNORECASE,
)
#: What shoppers say about the size they wear or want instead: "I wear a medium", "I take a 10",
#: "make it an XL", "swap it for a 9", "a small instead".
_SIZE_AFTER_WEAR = re.compile(
    rf"\b(?:i\s+(?:usually\s+)?(?:wear|take)|make\s+it|(?:swap|switch|exchange|change)\s+(?:it\s+)?(?:for|to))"
    rf"\s+(?:a\s+|an\s+)?(?:size\s+)?(?P<size>{_LETTER_ALTERNATION}|{_SHOE_SIZE})(?![\w.])",
    re.IGNORECASE,
)
_SIZE_INSTEAD = re.compile(
    rf"\b(?:a|an)\s+(?P<size>{_LETTER_ALTERNATION}|{_SHOE_SIZE})\s+instead\b",
    re.IGNORECASE,
)
_UNAMBIGUOUS_SIZE = re.compile(
    r"(?<![\w-])(?P<size>xxl|2xl|xl|xs|x-large|extra[ -]large|extra[ -]small)(?![\w-])",
    re.IGNORECASE,
)
# After "in", a lone letter or a number is too ambiguous ("in a minute", "in 2 days").
_AMBIGUOUS_AFTER_IN = {"s", "m", "l", "a", "an"}


def _normalise_amount(text: str) -> str:
    number = re.sub(r"[^\d.]", "", text)
    value = float(number)
    return str(int(value)) if value.is_integer() else f"{value:.2f}"


def _mention(entity: str, match: re.Match, group: str) -> AttributeMention:
    start, end = match.span(group)
    text = match.group(group)
    return AttributeMention(entity, _normalise_amount(text), start, end, text)


def extract_price_bounds(text: str) -> list[AttributeMention]:
    """Find price bounds: ``price_min`` and ``price_max`` mentions, at most one of each."""
    text = text[:MAX_SCANNED_CHARS]
    for pattern in (_BETWEEN, _RANGE):
        match = pattern.search(text)
        if match:
            low, high = _mention("price_min", match, "low"), _mention("price_max", match, "high")
            if float(low.value) > float(high.value):
                low, high = (
                    AttributeMention("price_min", high.value, low.start, low.end, low.text),
                    AttributeMention("price_max", low.value, high.start, high.end, high.text),
                )
            if pattern is _RANGE and not _looks_like_price_range(match):
                continue
            return [low, high]
    mentions = []
    high_match = _AT_MOST.search(text)
    if high_match:
        mentions.append(_mention("price_max", high_match, "high"))
    low_match = _AT_LEAST.search(text)
    if low_match:
        mentions.append(_mention("price_min", low_match, "low"))
    return sorted(mentions, key=lambda m: m.start)


def _looks_like_price_range(match: re.Match) -> bool:
    """A bare "20-40" is a price only with a currency marker ("$20-40", "20-40 dollars")."""
    whole = match.group(0).lower()
    return any(
        marker in whole
        for marker in ("$", "€", "£", "dollar", "buck", "usd", "eur", "pound", "gbp")
    )


def extract_sizes(text: str) -> list[AttributeMention]:
    """Find clothing and shoe sizes: "size 10", "in XL", "extra large", "I wear a medium"."""
    text = text[:MAX_SCANNED_CHARS]
    mentions: list[AttributeMention] = []
    taken: set[int] = set()
    for match in _SIZE_AFTER_CUE.finditer(text):
        raw = match.group("size")
        cue = match.group(0)[: match.start("size") - match.start(0)].strip().lower()
        if cue.startswith("in") and (raw.lower() in _AMBIGUOUS_AFTER_IN or raw[0].isdigit()):
            continue
        mentions.append(_size_mention(match, raw))
        taken.add(match.start("size"))
    for pattern in (_SIZE_AFTER_WEAR, _SIZE_INSTEAD, _UNAMBIGUOUS_SIZE):
        for match in pattern.finditer(text):
            if match.start("size") not in taken:
                mentions.append(_size_mention(match, match.group("size")))
                taken.add(match.start("size"))
    return sorted(mentions, key=lambda m: m.start)


def _size_mention(match: re.Match, raw: str) -> AttributeMention:
    value = _LETTER_SIZES.get(raw.lower().replace("extra-", "extra "), raw)
    start, end = match.span("size")
    return AttributeMention("size", value, start, end, raw)


_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
_ZIP_CUE = r"(?:zip\s*code|zipcode|zip|postal\s*code|postcode)"
_ZIPCODE = re.compile(
    # The cue, up to five words ("the zip on my order should be"), then the five digits ...
    rf"\b{_ZIP_CUE}\b(?:\s+(?!\d)[\w']+){{0,5}}?\s*(?:is|:|#|=)?\s*(?P<zip>\d{{5}})(?:-\d{{4}})?\b"
    # ... or the digits first: "10001 is my zip", "94107 is the new zip code".
    rf"|\b(?P<zip_first>\d{{5}})(?:-\d{{4}})?\s+(?:is|was)\s+(?:(?:my|the|our)\s+)?(?:new\s+)?{_ZIP_CUE}\b",
    re.IGNORECASE,
)
_ORDER_NUMBER = re.compile(r"(?<![\w$€£.,-])#?\s?(?P<number>\d{5,8})(?![\w.,-]*\d)")


def extract_contact_details(text: str) -> list[AttributeMention]:
    """Find ``email``, ``zipcode`` (with a "zip" cue) and ``order_number`` (5–8 digits) mentions."""
    text = text[:MAX_SCANNED_CHARS]
    mentions = [
        AttributeMention("email", m.group(0).lower(), m.start(), m.end(), m.group(0))
        for m in _EMAIL.finditer(text)
    ]
    zip_starts = set()
    for match in _ZIPCODE.finditer(text):
        group = "zip" if match.group("zip") else "zip_first"
        start, end = match.span(group)
        zip_starts.add(start)
        mentions.append(
            AttributeMention("zipcode", match.group(group), start, end, match.group(group))
        )
    emails = [(m.start, m.end) for m in mentions if m.entity == "email"]
    for match in _ORDER_NUMBER.finditer(text):
        start, end = match.span("number")
        if start in zip_starts or any(s <= start < e for s, e in emails):
            continue
        mentions.append(
            AttributeMention(
                "order_number", match.group("number"), start, end, match.group("number")
            )
        )
    return sorted(mentions, key=lambda m: m.start)


#: "in my usual size", "my normal size", "my size": the size a verified customer stated before
#: (the actions fill it from the customer's profile, docs/personalisation.md).
_USUAL_SIZE = re.compile(
    r"\b(?:in\s+)?my\s+(?:usual|normal|regular|typical|own)?\s*size\b", re.IGNORECASE
)


def extract_usual_size(text: str) -> list[AttributeMention]:
    """Find "my usual size" phrases, as the entity ``usual_size``."""
    text = text[:MAX_SCANNED_CHARS]
    return [
        AttributeMention("usual_size", "usual", m.start(), m.end(), m.group(0))
        for m in _USUAL_SIZE.finditer(text)
    ]


def extract_attributes(text: str) -> list[AttributeMention]:
    """All price, size, order number, email and ZIP code mentions in ``text``, in reading order."""
    found = (
        extract_price_bounds(text)
        + extract_sizes(text)
        + extract_usual_size(text)
        + extract_contact_details(text)
    )
    return sorted(found, key=lambda m: m.start)
