"""BertIntentClassifier trained and loaded through Rasa's own storage, graph and message objects."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.data import TrainingType
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader
from rasa.shared.nlu.training_data.message import Message

from bot.components.bert_intent_classifier import BertIntentClassifier
from models.intent_classifier import FORMAT_VERSION
from models.intent_model import IntentConfigError, IntentModelLoadError

NLU_YAML = """
version: "3.1"
nlu:
- intent: greet
  examples: |
    - hi
    - hello
    - hey there
    - good morning
    - hello, anyone there?
    - hiya
    - good evening
    - greetings
- intent: order_status
  examples: |
    - where is my order
    - has my package shipped yet
    - when will my order arrive
    - track my order 12345
    - my parcel hasn't arrived
    - is my order on its way
    - order status please
    - can you check my shipment
- intent: return_item
  examples: |
    - I want to return this
    - how do I send back an item
    - I'd like a refund for my shoes
    - the jacket doesn't fit, can I return it
    - start a return
    - I need to return a damaged product
    - can I get my money back
    - refund my purchase
- intent: human_handoff
  examples: |
    - I want to talk to a person
    - can I speak to a human
    - connect me to an agent
    - real person please
    - transfer me to a human
    - I need a human agent
    - speak to a representative
    - get me a real person
"""

CONFIG: dict[str, Any] = {
    "base_model": "bundled:all-MiniLM-L6-v2",
    "epochs": 3,
    "batch_size": 8,
    "head_learning_rate": 5e-3,
    "warmup_ratio": 0.0,
    "ranking_length": 3,
    "progress": False,
}


def context(node_name: str = "BertIntentClassifier0") -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), node_name=node_name)


@pytest.fixture(scope="module")
def storage(tmp_path_factory: pytest.TempPathFactory) -> LocalModelStorage:
    return LocalModelStorage(tmp_path_factory.mktemp("model-storage"))


@pytest.fixture(scope="module")
def trained_resource(storage: LocalModelStorage) -> Resource:
    training_data = RasaYAMLReader().reads(NLU_YAML)
    component = BertIntentClassifier.create(CONFIG, storage, Resource("bert_intent"), context())
    return component.train(training_data)


@pytest.fixture(scope="module")
def loaded(
    storage: LocalModelStorage, trained_resource: Resource
) -> Iterator[BertIntentClassifier]:
    previous = torch.get_num_threads()
    component = BertIntentClassifier.load(CONFIG, storage, trained_resource, context())
    yield component
    torch.set_num_threads(previous)


def parse(component: BertIntentClassifier, *texts: str) -> list[Message]:
    return component.process([Message(data={TEXT: text}) for text in texts])


def test_process_sets_intent_and_ranking(loaded: BertIntentClassifier) -> None:
    texts = ["hello there", "where's my package?", "I want my money back", "let me talk to a human"]
    messages = parse(loaded, *texts)
    intents = [message.get(INTENT)["name"] for message in messages]
    assert intents == ["greet", "order_status", "return_item", "human_handoff"]
    for message in messages:
        intent = message.get(INTENT)
        ranking = message.get(INTENT_RANKING_KEY)
        assert len(ranking) == 3  # ranking_length
        assert ranking[0] == intent
        confidences = [entry["confidence"] for entry in ranking]
        assert confidences == sorted(confidences, reverse=True)
        assert 0.5 < intent["confidence"] <= 1.0
    assert INTENT in messages[0].as_dict(only_output_properties=True)


def test_empty_message_gets_no_intent(loaded: BertIntentClassifier) -> None:
    empty, blank = parse(loaded, "", "   ")
    for message in (empty, blank):
        assert message.get(INTENT) == {"name": None, "confidence": 0.0}
        assert message.get(INTENT_RANKING_KEY) == []


def test_megabyte_message_is_classified(loaded: BertIntentClassifier) -> None:
    (message,) = parse(loaded, "I need to talk to a human agent. " * 32_000)
    assert message.get(INTENT)["name"] == "human_handoff"


def test_load_sets_torch_threads_from_settings(
    storage: LocalModelStorage, trained_resource: Resource, monkeypatch: pytest.MonkeyPatch
) -> None:
    previous = torch.get_num_threads()
    monkeypatch.setenv("SHOPDESK_TORCH_THREADS", "1")
    try:
        torch.set_num_threads(2)
        BertIntentClassifier.load(CONFIG, storage, trained_resource, context())
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(previous)


def test_resource_never_trained_loads_as_a_no_op(storage: LocalModelStorage) -> None:
    component = BertIntentClassifier.load(CONFIG, storage, Resource("never_trained"), context())
    (message,) = parse(component, "hello")
    assert message.get(INTENT) is None


def test_base_model_null_reads_the_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SHOPDESK_INTENT_BASE_MODEL", "/models/my-bert")
    storage = LocalModelStorage(tmp_path)
    component = BertIntentClassifier.create({"base_model": None}, storage, Resource("r"), context())
    assert component.model_config.base_model == "/models/my-bert"
    assert "/models/my-bert" in BertIntentClassifier.fingerprint_addon({"base_model": None})
    explicit = BertIntentClassifier.fingerprint_addon({"base_model": "bert-base-uncased"})
    assert "/models/my-bert" not in explicit
    # Rasa reuses a cached component while its fingerprint holds: a model cached in an older
    # saved format could not be loaded, so a new format version retrains the component.
    assert f"format {FORMAT_VERSION}" in explicit


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"epochs": 0}, "epochs must be at least 1"),
        ({"learning_rate": "fast"}, "learning_rate must be a number"),
        ({"ranking_length": -1}, "ranking_length must be a whole number >= 0"),
        ({"entity_augmentation": -2}, "entity_augmentation must be a whole number >= 0"),
        ({"epoch": 3}, "unknown intent classifier setting"),
    ],
)
def test_bad_pipeline_config_is_refused(
    config: dict[str, Any], message: str, tmp_path: Path
) -> None:
    with pytest.raises(IntentConfigError, match=message):
        BertIntentClassifier.create(config, LocalModelStorage(tmp_path), Resource("r"), context())


def test_training_examples_include_copies_with_other_catalog_values() -> None:
    from bot.components.bert_intent_classifier import intent_training_examples

    data = RasaYAMLReader().reads(
        """
version: "3.1"
nlu:
- intent: product_search
  examples: |
    - in [blue](color)
    - show me hoodies
- intent: order_status
  examples: |
    - where is order [10002](order_number)
- lookup: color
  examples: |
    - navy
    - olive
    - blue
"""
    )
    texts, intents = intent_training_examples(data, copies=2, seed=13)

    originals = {"in blue", "show me hoodies", "where is order 10002"}
    assert originals <= set(texts)
    added = [(t, i) for t, i in zip(texts, intents, strict=True) if t not in originals]
    assert sorted(added) == [("in navy", "product_search"), ("in olive", "product_search")]
    assert intent_training_examples(data, copies=0, seed=13)[0] == [
        "in blue",
        "show me hoodies",
        "where is order 10002",
    ]


def test_examples_labelled_in_the_console_are_never_held_out() -> None:
    from bot.components.bert_intent_classifier import intent_training_examples, reviewed_positions
    from models.intent_classifier import stratified_split

    data = RasaYAMLReader().reads(
        """
version: "3.1"
nlu:
- intent: order_status
  examples: |
    - where is my order
    - track my parcel
    - has it shipped
- intent: order_status
  metadata:
    reviewed: true
  examples: |
    - my parcel is lost in the void
"""
    )
    texts, intents = intent_training_examples(data, copies=0, seed=13)
    reviewed = reviewed_positions(data)
    assert [texts[p] for p in reviewed] == ["my parcel is lost in the void"]
    labels = [0] * len(intents)
    for seed in range(20):
        train, _ = stratified_split(labels, 0.5, seed, reviewed)
        assert reviewed <= set(train)


def test_default_recipe_trains_the_component_from_config_yml() -> None:
    config = {
        "recipe": "default.v1",
        "language": "en",
        "pipeline": [{"name": "bot.components.bert_intent_classifier.BertIntentClassifier"}],
        "policies": [],
    }
    graphs = DefaultV1Recipe().graph_config_for_recipe(config, {}, training_type=TrainingType.NLU)
    train_nodes = [n for n in graphs.train_schema.nodes.values() if n.uses is BertIntentClassifier]
    predict_nodes = [
        n for n in graphs.predict_schema.nodes.values() if n.uses is BertIntentClassifier
    ]
    assert [node.fn for node in train_nodes] == ["train"]
    assert [(node.fn, node.constructor_name) for node in predict_nodes] == [("process", "load")]


def test_broken_model_in_storage_fails_loudly(tmp_path: Path) -> None:
    storage = LocalModelStorage(tmp_path)
    resource = Resource("broken")
    with storage.write_to(resource) as directory:
        (directory / "notes.txt").write_text("not a model")
    with pytest.raises(IntentModelLoadError, match="shopdesk train"):
        BertIntentClassifier.load(CONFIG, storage, resource, context())


def test_corrupt_config_json_stops_loading_and_names_the_file(
    storage: LocalModelStorage, trained_resource: Resource, tmp_path: Path
) -> None:
    copy = LocalModelStorage(tmp_path)
    resource = Resource("corrupt")
    with storage.read_from(trained_resource) as trained, copy.write_to(resource) as directory:
        shutil.copytree(trained, directory, dirs_exist_ok=True)
        (directory / "config.json").write_text('{"config": {"epochs": 3', encoding="utf-8")
    with pytest.raises(IntentModelLoadError, match=r"config\.json"):
        BertIntentClassifier.load(CONFIG, copy, resource, context())


def test_damaged_onnx_graph_stops_loading_and_names_the_file(
    storage: LocalModelStorage, trained_resource: Resource, tmp_path: Path
) -> None:
    copy = LocalModelStorage(tmp_path)
    resource = Resource("damaged_onnx")
    with storage.read_from(trained_resource) as trained, copy.write_to(resource) as directory:
        shutil.copytree(trained, directory, dirs_exist_ok=True)
        graph = directory / "intent.onnx"
        graph.write_bytes(graph.read_bytes()[:1000])
    with pytest.raises(IntentModelLoadError, match=r"intent\.onnx.*shopdesk train --force"):
        BertIntentClassifier.load(CONFIG, copy, resource, context())
