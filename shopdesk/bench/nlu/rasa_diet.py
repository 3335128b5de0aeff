"""Rasa's default NLU pipeline (DIET) trained through Rasa's own API, as the baseline row."""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from shopdesk.bench.nlu.data import BenchDataError, LabelledSplit
from shopdesk.bench.nlu.runs import ModelRow, TopPredictions, time_single_messages

DIET_MODEL = "rasa-diet"

#: Rasa's default NLU pipeline as ``rasa init`` writes it (Rasa 3.6).
RASA_DEFAULT_PIPELINE: list[dict[str, Any]] = [
    {"name": "WhitespaceTokenizer"},
    {"name": "RegexFeaturizer"},
    {"name": "LexicalSyntacticFeaturizer"},
    {"name": "CountVectorsFeaturizer"},
    {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4},
    {"name": "DIETClassifier", "epochs": 100, "constrain_similarities": True},
    {"name": "EntitySynonymMapper"},
    {"name": "ResponseSelector", "epochs": 100, "constrain_similarities": True},
    {"name": "FallbackClassifier", "threshold": 0.3, "ambiguity_threshold": 0.1},
]


def _write_rasa_nlu(split: LabelledSplit, path: Path) -> Path:
    """Write ``split`` as Rasa NLU YAML (one block per intent)."""
    by_intent: dict[str, list[str]] = {}
    for text, label in zip(split.texts, split.labels, strict=True):
        by_intent.setdefault(label, []).append(" ".join(text.split()))
    nlu = [
        {"intent": intent, "examples": "".join(f"- {text}\n" for text in texts)}
        for intent, texts in sorted(by_intent.items())
    ]
    path.write_text(
        yaml.safe_dump({"version": "3.1", "nlu": nlu}, sort_keys=False), encoding="utf-8"
    )
    return path


def run_rasa_diet(
    train: LabelledSplit, evaluated: dict[str, Sequence[str]]
) -> tuple[ModelRow, TopPredictions]:
    """Train Rasa's default pipeline with ``rasa.model_training.train_nlu`` and parse every split.

    The top intent is read from ``intent_ranking`` (DIET's own choice, before the
    FallbackClassifier rewrites low-confidence messages to ``nlu_fallback``), so both rows use
    the same threshold rule below.
    """
    from rasa.core.agent import Agent
    from rasa.model_training import train_nlu

    with tempfile.TemporaryDirectory(prefix="shopdesk-diet-") as workdir:
        work = Path(workdir)
        config = work / "config.yml"
        config.write_text(
            yaml.safe_dump(
                {"recipe": "default.v1", "language": "en", "pipeline": RASA_DEFAULT_PIPELINE},
                sort_keys=False,
            ),
            encoding="utf-8",
        )
        data = _write_rasa_nlu(train, work / "nlu.yml")
        started, started_cpu = time.perf_counter(), time.process_time()
        model_path = train_nlu(str(config), str(data), str(work / "models"))
        train_seconds = time.perf_counter() - started
        train_cpu_seconds = time.process_time() - started_cpu
        if not model_path:
            raise BenchDataError("Rasa did not produce a DIET model; its log above says why")
        agent = Agent.load(model_path)

        def parse(text: str) -> tuple[str, float]:
            result = asyncio.run(agent.parse_message(text))
            ranking = result.get("intent_ranking") or [result["intent"]]
            best = next((r for r in ranking if r["name"] != "nlu_fallback"), ranking[0])
            return best["name"], float(best["confidence"])

        top = {
            name: [parse(text) for text in _progress(texts, f"Rasa DIET: parsing {name}")]
            for name, texts in evaluated.items()
        }
        latencies, latencies_cpu = time_single_messages(parse, evaluated["test"])
    row = ModelRow(
        model=DIET_MODEL,
        description="Rasa default pipeline (rasa init): CountVectors + DIETClassifier, 100 epochs",
        predictions=[intent for intent, _ in top["test"]],
        confidences=[confidence for _, confidence in top["test"]],
        train_seconds=train_seconds,
        train_cpu_seconds=train_cpu_seconds,
        latencies_ms=latencies,
        latencies_cpu_ms=latencies_cpu,
        extra={"pipeline": RASA_DEFAULT_PIPELINE, "latency_note": "whole NLU pipeline per message"},
    )
    return row, top


def _progress(items: Sequence[str], description: str) -> Sequence[str]:
    from tqdm.auto import tqdm

    return tqdm(items, desc=description, unit="msg")
