"""Inputs of the NLU benchmarks: labelled splits and the bot's NLU configuration."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from shopdesk.settings import BOT_DIR, NLU_DATA_DIR
from storage.errors import ShopdeskError

BOT_CONFIG = BOT_DIR / "config.yml"
NLU_TRAIN_DIR = NLU_DATA_DIR / "train"
NLU_TEST_DIR = NLU_DATA_DIR / "test"
#: The outside evaluation set, never trained on (nlu_data/README.md, "Outside evaluation set").
NLU_EXTERNAL_SET = NLU_DATA_DIR / "external" / "external_nlu.csv"

_WORD = re.compile(r"[a-z0-9]+")


def normalised_words(text: str) -> str:
    """``text`` as lower-case words, apostrophes and punctuation dropped ("It's OK!" -> "its ok").

    Two messages with the same normalised words are near-duplicates: the outside evaluation set
    keeps none of the training data's.
    """
    return " ".join(_WORD.findall(text.lower().replace("'", "").replace("’", "")))


class BenchDataError(ShopdeskError, ValueError):
    """A benchmark input file is missing, empty or not in a supported format."""


@dataclass(frozen=True)
class LabelledSplit:
    """Texts with their intent labels, read from a CSV file or Rasa NLU YAML."""

    texts: list[str]
    labels: list[str]
    source: str
    #: The Rasa training data when read from NLU YAML (entity annotations, lookup tables).
    rasa_data: Any | None = None

    def without(self, label: str) -> LabelledSplit:
        """The same split without the examples of ``label`` (as CSV-like data)."""
        kept = [
            (text, gold)
            for text, gold in zip(self.texts, self.labels, strict=True)
            if gold != label
        ]
        return LabelledSplit([t for t, _ in kept], [g for _, g in kept], self.source)


def read_split(path: Path) -> LabelledSplit:
    """Read ``text,label`` CSV, or Rasa NLU YAML (a file or a directory of them)."""
    if not path.exists():
        raise BenchDataError(f"{path} does not exist; pass a CSV with text,label or Rasa NLU YAML")
    if path.is_dir() or path.suffix in (".yml", ".yaml"):
        from rasa.shared.nlu.training_data.loading import load_data

        rasa_data = load_data(str(path))
        texts = [example.get("text") for example in rasa_data.intent_examples]
        labels = [example.get("intent") for example in rasa_data.intent_examples]
    else:
        rasa_data = None
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            if not reader.fieldnames or not {"text", "label"} <= set(reader.fieldnames):
                raise BenchDataError(f"{path} needs a header with the columns text and label")
            rows = [(row["text"], row["label"]) for row in reader if row["text"] and row["label"]]
        texts = [text for text, _ in rows]
        labels = [label for _, label in rows]
    if not texts:
        raise BenchDataError(f"{path} holds no labelled examples")
    return LabelledSplit(texts, labels, str(path), rasa_data)


def bot_pipeline(config_path: Path = BOT_CONFIG) -> list[dict[str, Any]]:
    """The NLU pipeline entries of the bot's config.yml."""
    return yaml.safe_load(config_path.read_text(encoding="utf-8")).get("pipeline") or []
