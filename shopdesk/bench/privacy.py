"""``shopdesk bench privacy``: precision and recall of the personal-data detector, per kind.

Reads the labelled messages of ``nlu_data/privacy/pii_sample.jsonl``. A labelled value counts
as found when a finding of the same kind covers all of it; a finding is right when it overlaps
a labelled value of its kind. Values marked ``keep`` (order numbers, SKUs, tracking numbers,
ZIP codes, prices) must come out of the detector's redaction unchanged.

``--detector presidio`` (or ``both``) scores Presidio on the same sample, through
shopdesk/bench/privacy_presidio.py (needs the ``bench-privacy`` extra).
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from shopdesk.settings import NLU_DATA_DIR

SAMPLE = NLU_DATA_DIR / "privacy" / "pii_sample.jsonl"
#: Recall each kind must reach (the issue's goals).
RECALL_GOALS = {"EMAIL": 0.98, "CARD": 0.98, "PHONE": 0.9, "ADDRESS": 0.9}
PATTERNS_NAME = "patterns plus checksums (`storage/pii.py`)"
PRESIDIO_NAME = "Presidio 2.2 + spaCy en_core_web_sm 3.8 (`shopdesk/bench/privacy_presidio.py`)"


@dataclass
class Detector:
    """A detector under test: its name, how it finds and how it redacts."""

    name: str
    find: Callable[[str], list]
    redact: Callable[[str], str]
    forget: Callable[[], None] = lambda: None


def patterns_detector() -> Detector:
    """storage/pii.py, the detector the bot uses."""
    from storage.pii import find, redact

    return Detector(PATTERNS_NAME, find, redact, redact.cache_clear)


def presidio_detector() -> Detector:
    """Presidio on the installed small English spaCy pipeline."""
    from shopdesk.bench.privacy_presidio import PresidioDetector

    presidio = PresidioDetector()
    presidio.redact("warm-up: load the pipeline before the clock starts")
    return Detector(PRESIDIO_NAME, presidio.find, presidio.redact)


@dataclass
class PrivacyScore:
    """Counts behind precision and recall per kind, and the values wrongly redacted."""

    detector: str = PATTERNS_NAME
    messages: int = 0
    true_positives: Counter = field(default_factory=Counter)
    false_positives: Counter = field(default_factory=Counter)
    false_negatives: Counter = field(default_factory=Counter)
    kept_broken: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)
    seconds_per_message: float = 0.0

    def precision(self, kind: str) -> float:
        """Share of the findings of ``kind`` that are labelled so."""
        found = self.true_positives[kind] + self.false_positives[kind]
        return self.true_positives[kind] / found if found else 1.0

    def recall(self, kind: str) -> float:
        """Share of the labelled values of ``kind`` that were found."""
        labelled = self.true_positives[kind] + self.false_negatives[kind]
        return self.true_positives[kind] / labelled if labelled else 1.0

    def meets_goals(self) -> bool:
        """Recall goals met and nothing that must stay readable redacted."""
        recall_ok = all(self.recall(kind) >= goal for kind, goal in RECALL_GOALS.items())
        return recall_ok and not self.kept_broken


def load_sample(path: Path = SAMPLE) -> list[dict]:
    """The labelled messages."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def score(rows: list[dict], detector: Detector | None = None) -> PrivacyScore:
    """Run the detector (storage/pii.py unless given) over ``rows`` and count what it got
    right and wrong."""
    detector = detector or patterns_detector()
    find, redact = detector.find, detector.redact
    result = PrivacyScore(detector=detector.name, messages=len(rows))
    detector.forget()  # time the detector, not its memory of earlier calls
    started = time.perf_counter()
    for row in rows:
        redact(row["text"])
    result.seconds_per_message = (time.perf_counter() - started) / max(len(rows), 1)
    for row in rows:
        text = row["text"]
        findings = find(text)
        labelled = []
        for kind, value in row["pii"]:
            start = text.index(value)
            labelled.append((kind, start, start + len(value)))
        for kind, start, end in labelled:
            if any(f.kind == kind and f.start <= start and f.end >= end for f in findings):
                result.true_positives[kind] += 1
            else:
                result.false_negatives[kind] += 1
                result.misses.append(f"missed {kind}: {text!r}")
        for finding in findings:
            if not any(
                kind == finding.kind and start < finding.end and finding.start < end
                for kind, start, end in labelled
            ):
                result.false_positives[finding.kind] += 1
                result.misses.append(
                    f"wrong {finding.kind} {text[finding.start : finding.end]!r}: {text!r}"
                )
        redacted = redact(text)
        for value in row["keep"]:
            if value not in redacted:
                result.kept_broken.append(f"{value!r} redacted in {text!r}")
    return result


def report(results: list[PrivacyScore]) -> str:
    """The benchmarks.md section: one table per detector, measured in the same run."""
    from shopdesk.bench.report import stamp
    from storage.pii import KINDS

    names = "; ".join(f"{r.detector}" for r in results)
    lines = [
        "## Personal-data detector (`shopdesk bench privacy`)",
        "",
        f"{stamp()} {results[0].messages} labelled support messages "
        "(`nlu_data/privacy/pii_sample.jsonl`, built by `nlu_data/privacy/build_sample.py`); "
        f"detectors: {names}. The bot uses the first (docs/privacy.md says why).",
        "",
        "| detector | kind | labelled | precision | recall | goal (recall) |",
        "|---|---|---|---|---|---|",
    ]
    for result in results:
        for kind in KINDS:
            labelled = result.true_positives[kind] + result.false_negatives[kind]
            goal = RECALL_GOALS.get(kind)
            lines.append(
                f"| {result.detector.split(' (')[0]} | {kind} | {labelled} "
                f"| {result.precision(kind):.3f} | {result.recall(kind):.3f} "
                f"| {f'≥ {goal}' if goal else '-'} |"
            )
    lines += [
        "",
        "| detector | goals met | must-stay-readable values redacted | cost per message |",
    ]
    lines += ["|---|---|---|---|"]
    for result in results:
        lines.append(
            f"| {result.detector.split(' (')[0]} | {'yes' if result.meets_goals() else 'no'} "
            f"| {len(result.kept_broken)} | {result.seconds_per_message * 1e3:.3f} ms |"
        )
    lines += [
        "",
        "Must stay readable: order numbers, SKUs, tracking numbers, ZIP codes and prices. "
        "Cost: one pass over every message, one core, models loaded beforehand.",
    ]
    for result in results:
        shown = result.kept_broken[:10] + result.misses[:15]
        if shown:
            lines += ["", f"Mistakes of {result.detector} (first ones):", ""]
            lines += [f"- {miss}" for miss in shown]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Score the detector(s), print and record the result; non-zero when the first detector
    (the one the bot uses, unless only Presidio is asked for) misses a goal."""
    from shopdesk.bench.report import update_section

    rows = load_sample(Path(args.sample))
    makers = {
        "patterns": [patterns_detector],
        "presidio": [presidio_detector],
        "both": [patterns_detector, presidio_detector],
    }[args.detector]
    try:
        detectors = [make() for make in makers]
    except RuntimeError as error:
        print(error)
        return 2
    results = [score(rows, detector) for detector in detectors]
    text = report(results)
    print(text)
    if not args.no_write:
        print(f"written to {update_section('privacy', text)}")
    return 0 if results[0].meets_goals() else 1


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``shopdesk bench privacy``."""
    parser = subparsers.add_parser("privacy", help="precision and recall of PII redaction")
    parser.add_argument("--sample", default=str(SAMPLE), help="labelled JSON Lines file")
    parser.add_argument(
        "--detector",
        choices=("patterns", "presidio", "both"),
        default="patterns",
        help="storage/pii.py, Presidio (needs the bench-privacy extra), or both side by side",
    )
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.set_defaults(handler=run)
