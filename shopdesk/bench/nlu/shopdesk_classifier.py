"""The bot's intent classifier (bot/config.yml's BertIntentClassifier), trained and timed."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from shopdesk.bench.demo_store import demo_lookup_tables
from shopdesk.bench.nlu.data import BOT_CONFIG, BenchDataError, LabelledSplit, bot_pipeline
from shopdesk.bench.nlu.intent_metrics import THRESHOLD_GRID
from shopdesk.bench.nlu.runs import ModelRow, TopPredictions, time_single_messages
from shopdesk.settings import get_settings
from storage.demo_store import DEMO_PRODUCT_COUNT

BERT_COMPONENT = "BertIntentClassifier"
SHOPDESK_MODEL = "shopdesk-bert"


def bert_component_config(config_path: Path = BOT_CONFIG) -> dict[str, Any]:
    """The BertIntentClassifier pipeline entry of the bot's config.yml, defaults filled in."""
    from bot.components.bert_intent_classifier import BertIntentClassifier

    for entry in bot_pipeline(config_path):
        if str(entry.get("name", "")).endswith(BERT_COMPONENT):
            values = {key: value for key, value in entry.items() if key != "name"}
            return {**BertIntentClassifier.get_default_config(), **values}
    raise BenchDataError(f"{config_path} has no {BERT_COMPONENT} in its pipeline")


def fallback_threshold(config_path: Path = BOT_CONFIG) -> float | None:
    """The FallbackClassifier threshold of the bot's config.yml (``None`` without one)."""
    for entry in bot_pipeline(config_path):
        if entry.get("name") == "FallbackClassifier":
            return float(entry.get("threshold", 0.3))
    return None


def training_examples(
    train: LabelledSplit, entity_augmentation: int, seed: int, progress: bool = True
) -> tuple[list[str], list[str]]:
    """What ``rasa train`` would train the classifier on for ``train``.

    CSV: the rows as they are. NLU YAML with entity annotations: the examples plus the
    component's entity augmentation, with lookup tables generated from the seeded demo store
    (as ``shopdesk train`` generates them from the shop's catalog).
    """
    from bot.components.bert_intent_classifier import intent_training_examples

    data = train.rasa_data
    if data is None or not entity_augmentation or not data.entity_examples:
        return list(train.texts), list(train.labels)
    from rasa.shared.nlu.training_data.training_data import TrainingData

    tables = demo_lookup_tables(get_settings().demo_seed, DEMO_PRODUCT_COUNT, progress=progress)
    lookups = [{"name": name, "elements": values} for name, values in tables.items() if values]
    texts, labels = intent_training_examples(
        data.merge(TrainingData(lookup_tables=lookups)), entity_augmentation, seed
    )
    return texts, labels


def run_shopdesk_classifier(
    train: LabelledSplit,
    evaluated: dict[str, Sequence[str]],
    config_overrides: dict[str, Any] | None = None,
    progress: bool = True,
) -> tuple[ModelRow, TopPredictions]:
    """Train the bot's intent classifier on ``train`` and predict every split in ``evaluated``.

    Returns the row for the ``"test"`` split and (top intent, confidence) per split.
    """
    import torch

    from bot.components.bert_intent_classifier import (
        ENTITY_AUGMENTATION,
        BertIntentClassifier,
        _model_config,
    )
    from models.intent_classifier import IntentClassifier

    component = {
        **BertIntentClassifier.get_default_config(),
        **bert_component_config(),
        **(config_overrides or {}),
    }
    config = _model_config(component)
    texts, labels = training_examples(train, component[ENTITY_AUGMENTATION], config.seed, progress)
    started, started_cpu = time.perf_counter(), time.process_time()
    classifier = IntentClassifier.train(texts, labels, config, progress=progress)
    train_seconds = time.perf_counter() - started
    train_cpu_seconds = time.process_time() - started_cpu
    top: TopPredictions = {}
    for name, split_texts in evaluated.items():
        rankings = classifier.predict_batch(list(split_texts))
        top[name] = [(ranking[0].intent, ranking[0].confidence) for ranking in rankings]
    threads = torch.get_num_threads()
    torch.set_num_threads(get_settings().torch_threads)
    try:
        latencies, latencies_cpu = time_single_messages(classifier.predict, evaluated["test"])
    finally:
        torch.set_num_threads(threads)
    row = ModelRow(
        model=SHOPDESK_MODEL,
        description=(
            f"BertIntentClassifier ({config.base_model}, trainable_layers="
            f"{config.trainable_layers}, inference {config.inference_dtype}), bot/config.yml"
        ),
        predictions=[intent for intent, _ in top["test"]],
        confidences=[confidence for _, confidence in top["test"]],
        train_seconds=train_seconds,
        train_cpu_seconds=train_cpu_seconds,
        latencies_ms=latencies,
        latencies_cpu_ms=latencies_cpu,
        extra={
            "config": config.as_dict(),
            "entity_augmentation": component[ENTITY_AUGMENTATION],
            "training_examples": len(texts),
            "epochs_run": len(classifier.history),
            # Per epoch, the held-out share of the training data: what settings are chosen by
            # on a data set without a validation split (BANKING77), never the test set.
            "history": [dataclasses.asdict(epoch) for epoch in classifier.history],
            "latency_threads": get_settings().torch_threads,
            "fallback_calibration": fallback_calibration(
                [(p.label, p.predicted, p.confidence) for p in classifier.validation_predictions]
            ),
        },
    )
    return row, top


def fallback_calibration(validation: Sequence[tuple[str, str, float]]) -> dict[str, Any]:
    """What each FallbackClassifier threshold would do on held-out (label, predicted, confidence).

    A message below the threshold falls back ("rephrase, please"): neutral. Above it, a right
    intent counts +1 and a wrong one -1; the suggested threshold maximises that sum (a wrong
    answer costs as much as a right one gains). Among equally good thresholds the highest is
    suggested: the validation examples come from the training data's own wording, real
    messages are less familiar, and on them asking back is the cheaper mistake.
    """
    rows = []
    for threshold in THRESHOLD_GRID:
        accepted = [
            (gold, guess) for gold, guess, confidence in validation if confidence >= threshold
        ]
        right = sum(gold == guess for gold, guess in accepted)
        rows.append(
            {
                "threshold": threshold,
                "fallback_rate": 1 - len(accepted) / len(validation) if validation else 0.0,
                "accepted_accuracy": right / len(accepted) if accepted else 0.0,
                "utility": right - (len(accepted) - right),
            }
        )
    best = max(rows, key=lambda row: (row["utility"], row["threshold"])) if validation else None
    return {
        "validation_examples": len(validation),
        "validation_accuracy": (
            sum(gold == guess for gold, guess, _ in validation) / len(validation)
            if validation
            else None
        ),
        "suggested_threshold": best["threshold"] if best else None,
        "thresholds": rows,
    }
