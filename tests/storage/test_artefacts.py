"""The persistence contract, run on every saved model and index (storage/artefacts.py).

One set of tests for the product index, the knowledge index, the recommender and the intent
classifier, in the manner of implicit's ``recommender_base_test``: each is built small but
real, saved, and then loaded back, loaded from another kind's directory, loaded after its
manifest was changed, and saved again with a write failing half-way.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from models import intent_classifier
from models.intent_classifier import IntentClassifier, IntentClassifierConfig
from models.recommender import Interaction, Recommender, RecommenderConfig
from models.recommender import recommender as recommender_module
from retrieval import knowledge_index, product_index
from retrieval.embeddings import TextEncoder
from retrieval.knowledge_base import KnowledgeBase
from retrieval.knowledge_index import KnowledgeIndex
from retrieval.product_index import ProductIndex
from storage.artefacts import (
    MANIFEST_FILE,
    ArtefactKind,
    ArtefactNotFoundError,
    CorruptArtefactError,
    IncompatibleArtefactError,
)
from tests.helpers.catalog import make_catalog

BUNDLED_MODEL = "bundled:all-MiniLM-L6-v2"

#: The recommender's shop: runners buy shoe 1 then socks 5, coffee drinkers maker 4 then mug 3.
PRODUCT_NAMES = {1: "Trail Shoe", 2: "Road Shoe", 3: "Mug", 4: "Coffee Maker", 5: "Socks"}

KNOWLEDGE = [
    {
        "id": "shipping-time",
        "topic": "shipping_info",
        "questions": ["how long does shipping take", "when will my parcel arrive"],
        "answer": "Orders arrive in 3 to 5 working days.",
    },
    {
        "id": "refund-time",
        "topic": "return_policy",
        "questions": ["when do I get my money back", "how long does a refund take"],
        "answer": "Refunds reach your card within 5 days of the return arriving.",
    },
]

INTENTS = {
    "greet": ["hi", "hello there", "good morning", "hey"],
    "order_status": ["where is my order", "track my parcel", "has my order shipped", "order 1001"],
    "goodbye": ["bye", "see you later", "goodbye", "thanks, that is all"],
}


def interactions() -> list[Interaction]:
    events = []
    for shopper in range(12):
        pair = (1, 5) if shopper % 2 == 0 else (4, 3)
        events += [
            Interaction(f"s{shopper}", pair[0], timestamp=1.0, basket=f"o{shopper}a"),
            Interaction(f"s{shopper}", pair[1], timestamp=2.0, basket=f"o{shopper}b"),
        ]
    return events


@dataclass(frozen=True)
class Implementation:
    """How the contract builds, loads and questions one kind of saved artefact."""

    kind: ArtefactKind
    build: Callable[[TextEncoder], Any]
    load: Callable[[Path, TextEncoder], Any]
    #: What a user would notice of the artefact: answers to a few questions.
    answers: Callable[[Any], Any]


def _product_index(encoder: TextEncoder) -> ProductIndex:
    return ProductIndex.build(make_catalog(), encoder, progress=False)


def _knowledge_index(encoder: TextEncoder) -> KnowledgeIndex:
    kb = KnowledgeBase.from_entries(KNOWLEDGE)
    return KnowledgeIndex.build(kb, encoder, progress=False)


def _recommender(encoder: TextEncoder) -> Recommender:
    model = Recommender(RecommenderConfig(use_sequential=False, als_factors=4, als_iterations=2))
    model.fit(
        interactions(),
        products=list(PRODUCT_NAMES),
        product_names=PRODUCT_NAMES,
        metadata={"fingerprint": "contract-test"},
        progress=False,
    )
    return model


def _intent_classifier(encoder: TextEncoder) -> IntentClassifier:
    texts = [text for examples in INTENTS.values() for text in examples]
    labels = [intent for intent, examples in INTENTS.items() for _ in examples]
    config = IntentClassifierConfig(
        epochs=2, batch_size=8, trainable_layers=0, validation_fraction=0.0, warmup_ratio=0.0
    )
    return IntentClassifier.train(texts, labels, config, progress=False)


IMPLEMENTATIONS = {
    "product index": Implementation(
        product_index.ARTEFACT,
        _product_index,
        lambda directory, encoder: ProductIndex.load(directory, encoder),
        lambda index: [
            (hit.record.product_id, round(hit.score, 5))
            for query in ("running shoes", "something for coffee")
            for hit in index.search(query, k=3)
        ],
    ),
    "knowledge index": Implementation(
        knowledge_index.ARTEFACT,
        _knowledge_index,
        lambda directory, encoder: KnowledgeIndex.load(directory, encoder),
        lambda index: [
            (match.entry.id, round(match.score, 5))
            for question in ("when does my package come", "refund duration")
            for match in index.search(question, k=2)
        ],
    ),
    "recommender": Implementation(
        recommender_module.ARTEFACT,
        _recommender,
        lambda directory, encoder: Recommender.load(directory),
        lambda model: (
            [(r.product_id, r.reason) for r in model.recommend([1], n=3)],
            [r.product_id for r in model.similar_items(4, n=2)],
            model.metadata,
        ),
    ),
    "intent classifier": Implementation(
        intent_classifier.ARTEFACT,
        _intent_classifier,
        lambda directory, encoder: IntentClassifier.load(directory),
        lambda model: [
            [(score.intent, round(score.confidence, 5)) for score in ranking]
            for ranking in model.predict_batch(["hello", "where is my parcel", "bye now"])
        ],
    ),
}
NAMES = list(IMPLEMENTATIONS)


@pytest.fixture(scope="module")
def encoder() -> TextEncoder:
    return TextEncoder(BUNDLED_MODEL)


@pytest.fixture(scope="module")
def built(encoder: TextEncoder) -> dict[str, Any]:
    """One small, real artefact of every implementation."""
    return {name: implementation.build(encoder) for name, implementation in IMPLEMENTATIONS.items()}


@pytest.fixture(scope="module")
def saved(built: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each artefact saved once, in a directory of its own (read, never changed, by tests)."""
    root = tmp_path_factory.mktemp("saved")
    directories = {}
    for name, artefact in built.items():
        directories[name] = root / name.replace(" ", "-")
        artefact.save(directories[name])
    return directories


def edit_manifest(directory: Path, change: Callable[[dict[str, Any]], None]) -> None:
    path = directory / MANIFEST_FILE
    manifest = json.loads(path.read_text(encoding="utf-8"))
    change(manifest)
    path.write_text(json.dumps(manifest), encoding="utf-8")


def files_of(directory: Path) -> dict[str, tuple[int, int]]:
    """Size and modification time of every file under ``directory``, by relative path."""
    return {
        str(path.relative_to(directory)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in directory.rglob("*")
        if path.is_file()
    }


def assert_names_directory_and_fix(
    error: pytest.ExceptionInfo, directory: Path, kind: ArtefactKind
):
    message = str(error.value)
    assert str(directory) in message
    assert kind.fix in message


@pytest.mark.parametrize("name", NAMES)
def test_round_trip_gives_the_same_answers_and_a_manifest(
    name: str, built: dict[str, Any], encoder: TextEncoder, tmp_path: Path
) -> None:
    implementation, original = IMPLEMENTATIONS[name], built[name]
    original.save(tmp_path / "saved")
    loaded = implementation.load(tmp_path / "saved", encoder)

    assert implementation.answers(loaded) == implementation.answers(original)
    manifest = json.loads((tmp_path / "saved" / MANIFEST_FILE).read_text(encoding="utf-8"))
    assert manifest["kind"] == implementation.kind.name
    assert manifest["format_version"] == implementation.kind.format_version
    assert len(manifest) > 2, "the manifest also records what the artefact was built from"
    assert [p.name for p in tmp_path.iterdir()] == ["saved"], "no staging directory left"


@pytest.mark.parametrize("name", NAMES)
def test_nothing_saved_is_reported_as_not_found(
    name: str, encoder: TextEncoder, tmp_path: Path
) -> None:
    implementation = IMPLEMENTATIONS[name]
    for directory in (tmp_path / "missing", tmp_path):
        with pytest.raises(implementation.kind.not_found) as error:
            implementation.load(directory, encoder)
        assert isinstance(error.value, ArtefactNotFoundError)
        assert_names_directory_and_fix(error, directory, implementation.kind)


@pytest.mark.parametrize(
    ("name", "foreign"), [(name, foreign) for name in NAMES for foreign in NAMES if foreign != name]
)
def test_another_kind_of_artefact_is_refused(
    name: str, foreign: str, saved: dict[str, Path], encoder: TextEncoder
) -> None:
    implementation = IMPLEMENTATIONS[name]
    with pytest.raises(implementation.kind.incompatible) as error:
        implementation.load(saved[foreign], encoder)
    assert isinstance(error.value, IncompatibleArtefactError)
    assert_names_directory_and_fix(error, saved[foreign], implementation.kind)
    assert f"not a {implementation.kind.label}" in str(error.value)


@pytest.mark.parametrize("name", NAMES)
def test_a_newer_format_version_is_refused(
    name: str, built: dict[str, Any], encoder: TextEncoder, tmp_path: Path
) -> None:
    implementation = IMPLEMENTATIONS[name]
    built[name].save(tmp_path / "saved")
    newer = implementation.kind.format_version + 1
    edit_manifest(tmp_path / "saved", lambda manifest: manifest.update(format_version=newer))

    with pytest.raises(implementation.kind.incompatible, match="newer shopdesk") as error:
        implementation.load(tmp_path / "saved", encoder)
    assert_names_directory_and_fix(error, tmp_path / "saved", implementation.kind)


@pytest.mark.parametrize("name", NAMES)
def test_a_manifest_of_an_older_shopdesk_is_refused(
    name: str, built: dict[str, Any], encoder: TextEncoder, tmp_path: Path
) -> None:
    """Format 1 manifests named no kind; the recommender and classifier wrote none at all."""
    implementation = IMPLEMENTATIONS[name]
    built[name].save(tmp_path / "with-old-manifest")
    edit_manifest(tmp_path / "with-old-manifest", lambda manifest: manifest.pop("kind"))
    built[name].save(tmp_path / "without-manifest")
    (tmp_path / "without-manifest" / MANIFEST_FILE).unlink()

    for directory in (tmp_path / "with-old-manifest", tmp_path / "without-manifest"):
        with pytest.raises(implementation.kind.incompatible, match="older shopdesk") as error:
            implementation.load(directory, encoder)
        assert_names_directory_and_fix(error, directory, implementation.kind)


@pytest.mark.parametrize("name", NAMES)
def test_an_interrupted_save_leaves_the_previous_version_loadable(
    name: str,
    built: dict[str, Any],
    encoder: TextEncoder,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    implementation, original = IMPLEMENTATIONS[name], built[name]
    target = tmp_path / "saved"
    original.save(target)
    before = files_of(target)
    failed_writes = []

    def disk_full(path: Path, *args: Any, **kwargs: Any) -> int:
        failed_writes.append(path.name)
        raise OSError(28, "No space left on device")

    # Every implementation writes some files (FAISS, safetensors) before its first text file.
    monkeypatch.setattr(Path, "write_text", disk_full)
    with pytest.raises(OSError, match="No space left"):
        original.save(target)
    monkeypatch.undo()

    assert failed_writes, "the save must have reached a text file"
    assert files_of(target) == before, "the saved files were not touched"
    assert [p.name for p in tmp_path.iterdir()] == ["saved"], "no staging directory left"
    loaded = implementation.load(target, encoder)
    assert implementation.answers(loaded) == implementation.answers(original)


#: A JSON file each implementation writes, and the manifest field its files are checked against.
JSON_FILES = {
    "product index": product_index.RECORDS_FILE,
    "knowledge index": knowledge_index.ENTRIES_FILE,
    "recommender": recommender_module.CONFIG_FILE,
    "intent classifier": intent_classifier.CONFIG_FILE,
}
COUNT_FIELDS = {
    "product index": "product_count",
    "knowledge index": "entry_count",
    "recommender": "product_count",
    "intent classifier": "label_count",
}


@pytest.mark.parametrize("name", NAMES)
def test_a_damaged_file_is_reported_as_corrupt(
    name: str, built: dict[str, Any], encoder: TextEncoder, tmp_path: Path
) -> None:
    implementation = IMPLEMENTATIONS[name]
    built[name].save(tmp_path / "saved")
    (tmp_path / "saved" / JSON_FILES[name]).write_text('{"cut off', encoding="utf-8")

    with pytest.raises(implementation.kind.corrupt) as error:
        implementation.load(tmp_path / "saved", encoder)
    assert isinstance(error.value, CorruptArtefactError)
    assert_names_directory_and_fix(error, tmp_path / "saved", implementation.kind)
    assert "JSONDecodeError" in str(error.value)


@pytest.mark.parametrize("name", NAMES)
def test_files_that_disagree_with_the_manifest_are_reported_as_corrupt(
    name: str, built: dict[str, Any], encoder: TextEncoder, tmp_path: Path
) -> None:
    implementation = IMPLEMENTATIONS[name]
    built[name].save(tmp_path / "saved")
    field = COUNT_FIELDS[name]
    edit_manifest(tmp_path / "saved", lambda manifest: manifest.update({field: 1000}))

    with pytest.raises(implementation.kind.corrupt) as error:
        implementation.load(tmp_path / "saved", encoder)
    assert_names_directory_and_fix(error, tmp_path / "saved", implementation.kind)
    assert "1000" in str(error.value), "the message gives the count the manifest names"
