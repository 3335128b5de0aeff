"""``shopdesk bench entities``: precision, recall and F1 of the production entity extractors.

The extractors of bot/config.yml (catalog lookup tables, ProductMentionExtractor's shopper
words and compounds, ShopAttributeExtractor patterns),
trained as ``rasa train`` trains them, scored on the annotated NLU test data by exact
(type, span) matches.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console

from models.augmentation import EntitySpan
from shopdesk.bench.demo_store import demo_lookup_tables
from shopdesk.bench.nlu.data import BOT_CONFIG, NLU_TEST_DIR, NLU_TRAIN_DIR, bot_pipeline
from shopdesk.bench.report import stamp, update_section
from shopdesk.settings import get_settings
from storage.demo_store import DEMO_PRODUCT_COUNT

console = Console(stderr=True)


def _span(entity: dict[str, Any]) -> EntitySpan:
    """An entity as Rasa reports it (``entity``, ``start``, ``end``) as a comparable span."""
    return EntitySpan(entity=entity["entity"], start=entity["start"], end=entity["end"])


def entity_scores(
    gold: Sequence[set[EntitySpan]], found: Sequence[set[EntitySpan]]
) -> dict[str, dict[str, float]]:
    """Precision, recall and F1 per entity type over exact (type, span) matches."""
    counts: dict[str, Counter] = {}
    for gold_spans, found_spans in zip(gold, found, strict=True):
        for span in gold_spans | found_spans:
            tally = counts.setdefault(span.entity, Counter())
            if span in gold_spans and span in found_spans:
                tally["tp"] += 1
            elif span in found_spans:
                tally["fp"] += 1
            else:
                tally["fn"] += 1
    scores = {}
    for entity, tally in sorted(counts.items()):
        tp, fp, fn = tally["tp"], tally["fp"], tally["fn"]
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores[entity] = {
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "support": tp + fn,
            "true_positives": tp,
            "false_positives": fp,
        }
    return scores


class ProductionEntityExtractors:
    """The entity extractors of bot/config.yml, trained as ``rasa train`` trains them.

    RegexEntityExtractor learns the catalog lookup tables merged with the NLU training data
    (it only uses tables whose name is an annotated entity there), ProductMentionExtractor
    learns the category table and reads shoppers' product words, then ShopAttributeExtractor
    adds its patterns. EntitySynonymMapper is left out: it changes values, not spans.
    """

    def __init__(
        self,
        tables: dict[str, list[str]],
        training_data_path: Path = NLU_TRAIN_DIR,
        config_path: Path = BOT_CONFIG,
    ) -> None:
        from rasa.engine.graph import ExecutionContext, GraphSchema
        from rasa.engine.storage.local_model_storage import LocalModelStorage
        from rasa.engine.storage.resource import Resource
        from rasa.nlu.extractors.regex_entity_extractor import RegexEntityExtractor
        from rasa.shared.nlu.training_data.loading import load_data
        from rasa.shared.nlu.training_data.training_data import TrainingData

        from bot.components.product_mentions import ProductMentionExtractor
        from bot.components.shop_attribute_extractor import ShopAttributeExtractor

        regex_config = next(
            (
                {k: v for k, v in entry.items() if k != "name"}
                for entry in bot_pipeline(config_path)
                if entry.get("name") == "RegexEntityExtractor"
            ),
            {},
        )
        self._workdir = tempfile.TemporaryDirectory(prefix="shopdesk-extractors-")
        storage = LocalModelStorage(Path(self._workdir.name))
        context = ExecutionContext(GraphSchema({}), "bench")
        self._regex = RegexEntityExtractor.create(
            {**RegexEntityExtractor.get_default_config(), **regex_config},
            storage,
            Resource("regex_entity_extractor"),
            context,
        )
        lookups = [{"name": name, "elements": values} for name, values in tables.items() if values]
        training_data = load_data(str(training_data_path)).merge(
            TrainingData(lookup_tables=lookups)
        )
        self._regex.train(training_data)
        self._mentions = ProductMentionExtractor.create(
            {}, storage, Resource("product_mentions"), context
        )
        self._mentions.train(training_data)
        self._attributes = ShopAttributeExtractor.create(
            {}, storage, Resource("attributes"), context
        )

    def extract(self, texts: Sequence[str]) -> list[set[EntitySpan]]:
        """The entity spans the production extractors find in each text."""
        from rasa.shared.nlu.training_data.message import Message

        messages = [Message(data={"text": text}) for text in texts]
        self._attributes.process(self._mentions.process(self._regex.process(messages)))
        return [{_span(entity) for entity in message.get("entities", [])} for message in messages]


def gold_entity_spans(path: Path) -> tuple[list[str], list[set[EntitySpan]]]:
    """Texts of the annotated NLU data at ``path`` and their annotated entity spans."""
    from rasa.shared.nlu.training_data.loading import load_data

    examples = load_data(str(path)).training_examples
    texts = [example.get("text") for example in examples]
    spans = [{_span(entity) for entity in example.get("entities") or []} for example in examples]
    return texts, spans


def run_entity_benchmark(
    test_path: Path, tables: dict[str, list[str]], training_data_path: Path = NLU_TRAIN_DIR
) -> dict[str, Any]:
    """Score the production extractors on the annotated examples at ``test_path``."""
    texts, gold = gold_entity_spans(test_path)
    extractors = ProductionEntityExtractors(tables, training_data_path)
    started = time.perf_counter()
    found = extractors.extract(texts)
    elapsed_ms = (time.perf_counter() - started) * 1000
    misses = [
        {
            "text": text,
            "missed": sorted(f"{s.entity}:{text[s.start : s.end]}" for s in g - f),
            "spurious": sorted(f"{s.entity}:{text[s.start : s.end]}" for s in f - g),
        }
        for text, g, f in zip(texts, gold, found, strict=True)
        if g != f
    ]
    return {
        "measured": stamp(),
        "test": str(test_path),
        "messages": len(texts),
        "per_entity": entity_scores(gold, found),
        "ms_per_message": elapsed_ms / max(1, len(texts)),
        "errors": misses,
    }


#: Entity types with a quality target (F1 >= 0.9).
ENTITY_TARGETS = ("order_number", "email", "price_min", "price_max", "color", "product_category")


def entity_markdown(report: dict[str, Any]) -> str:
    """The docs/benchmarks.md section of the entity benchmark."""
    lines = [
        "### Entities: production extractors on nlu_data/test",
        "",
        f"{report['measured']} {report['messages']} messages; exact type + span match; "
        "lookup tables generated from the seeded demo store; target F1 ≥ 0.90 for "
        + ", ".join(f"`{name}`" for name in ENTITY_TARGETS)
        + ".",
        "",
        "| entity | precision | recall | F1 | support |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, scores in report["per_entity"].items():
        lines.append(
            f"| `{name}` | {scores['precision']:.2f} | {scores['recall']:.2f} "
            f"| {scores['f1']:.2f} | {scores['support']} |"
        )
    lines += ["", f"Extraction time: {report['ms_per_message']:.2f} ms per message."]
    return "\n".join(lines)


def cmd_entities(args: argparse.Namespace) -> int:
    """Handler of ``shopdesk bench entities``."""
    settings = get_settings()
    tables = demo_lookup_tables(settings.demo_seed, args.products, progress=not args.no_progress)
    report = run_entity_benchmark(Path(args.test), tables, Path(args.train))
    for name, scores in report["per_entity"].items():
        console.print(
            f"{name:18} P {scores['precision']:.2f}  R {scores['recall']:.2f}  "
            f"F1 {scores['f1']:.2f}  (n={scores['support']})"
        )
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(report, indent=2), encoding="utf-8")
    if args.section:
        console.print(f"Updated {update_section('nlu-entities', entity_markdown(report))}")
    return 0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``shopdesk bench entities``."""
    entities = subparsers.add_parser(
        "entities", help="precision/recall/F1 of the production entity extractors"
    )
    entities.add_argument(
        "--test", default=str(NLU_TEST_DIR), help="annotated Rasa NLU YAML (file or directory)"
    )
    entities.add_argument(
        "--train",
        default=str(NLU_TRAIN_DIR),
        help="NLU training data the extractors learn entity names from",
    )
    entities.add_argument(
        "--products",
        type=int,
        default=DEMO_PRODUCT_COUNT,
        help="products in the seeded demo store the lookup tables come from",
    )
    entities.add_argument("--json", help="write the figures and every error to this JSON file")
    entities.add_argument(
        "--section",
        action="store_true",
        help="write the nlu-entities section of docs/benchmarks.md",
    )
    entities.add_argument("--no-progress", action="store_true", help="no progress bars")
    entities.set_defaults(handler=cmd_entities)
