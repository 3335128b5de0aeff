"""IntentClassifier trained for real on the bundled all-MiniLM-L6-v2 with a small shop data set."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest
import torch

from models.intent_classifier import (
    IntentClassifier,
    IntentClassifierConfig,
    class_weights,
    fit_temperature,
    stratified_split,
    training_fingerprint,
)
from models.intent_model import IntentConfigError, IntentModelLoadError, IntentTrainingDataError
from models.torch_threads import torch_threads
from tests.helpers.intent_examples import HELD_OUT, TRAINING_EXAMPLES, training_pairs

#: Few epochs with a fast head and no warm-up: enough for this data set, and quick.
FAST = IntentClassifierConfig(epochs=3, batch_size=8, head_learning_rate=5e-3, warmup_ratio=0.0)


@pytest.fixture(scope="module")
def classifier() -> IntentClassifier:
    texts, labels = training_pairs()
    return IntentClassifier.train(texts, labels, FAST, progress=False)


@pytest.fixture(scope="module")
def saved_dir(classifier: IntentClassifier, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("intent-model")
    classifier.save(directory)
    return directory


def small_training_set() -> tuple[list[str], list[str]]:
    """Four intents, one of which has a single example (too few to stratify)."""
    texts, labels = [], []
    for intent in ("greet", "goodbye", "order_status"):
        texts += TRAINING_EXAMPLES[intent][:6]
        labels += [intent] * 6
    texts.append("cancel my order")
    labels.append("cancel_order")
    return texts, labels


def test_predicts_held_out_paraphrases(classifier: IntentClassifier) -> None:
    predictions = classifier.predict_batch([text for text, _ in HELD_OUT])
    wrong = [
        (text, expected, ranking[0])
        for (text, expected), ranking in zip(HELD_OUT, predictions, strict=True)
        if ranking[0].intent != expected
    ]
    assert wrong == []
    assert min(ranking[0].confidence for ranking in predictions) > 0.5


def test_ranking_covers_every_intent_sorted_and_sums_to_one(classifier: IntentClassifier) -> None:
    ranking = classifier.predict("my parcel is late, where is it?")
    assert sorted(score.intent for score in ranking) == sorted(TRAINING_EXAMPLES)
    confidences = [score.confidence for score in ranking]
    assert confidences == sorted(confidences, reverse=True)
    assert math.isclose(sum(confidences), 1.0, abs_tol=1e-4)
    assert ranking[0].intent == "order_status"


def test_training_records_validation_accuracy_per_epoch(classifier: IntentClassifier) -> None:
    assert [result.epoch for result in classifier.history] == [1, 2, 3]
    assert all(result.validation_accuracy is not None for result in classifier.history)
    assert max(result.validation_accuracy for result in classifier.history) >= 0.75


def test_batch_and_single_predictions_agree(classifier: IntentClassifier) -> None:
    texts = ["hi", "how much is delivery to France", "I want to talk to somebody real"]
    batch = classifier.predict_batch(texts)
    for text, ranking in zip(texts, batch, strict=True):
        single = classifier.predict(text)
        assert [s.intent for s in single][:3] == [s.intent for s in ranking][:3]
        assert single[0].confidence == pytest.approx(ranking[0].confidence, abs=0.02)
    assert classifier.predict_batch([]) == []


def test_save_writes_safetensors_tokenizer_and_labels(saved_dir: Path) -> None:
    metadata = json.loads((saved_dir / "config.json").read_text())
    assert metadata["labels"] == sorted(TRAINING_EXAMPLES)
    assert metadata["config"]["epochs"] == 3
    assert (saved_dir / "head.safetensors").is_file()
    assert (saved_dir / "encoder" / "model.safetensors").is_file()
    assert (saved_dir / "tokenizer" / "tokenizer.json").is_file()
    assert not list(saved_dir.rglob("*.bin")), "weights must be safetensors, not pickles"


def test_manifest_records_what_the_model_was_built_from(saved_dir: Path) -> None:
    manifest = json.loads((saved_dir / "manifest.json").read_text())
    texts, labels = training_pairs()
    assert manifest["kind"] == "intent-classifier"
    assert manifest["base_model"] == "bundled:all-MiniLM-L6-v2"
    assert manifest["label_count"] == len(TRAINING_EXAMPLES)
    assert manifest["training_data"] == training_fingerprint(texts, labels)
    assert IntentClassifier.load(saved_dir).training_data == manifest["training_data"]


def test_load_gives_identical_predictions(classifier: IntentClassifier, saved_dir: Path) -> None:
    loaded = IntentClassifier.load(saved_dir)
    texts = [text for text, _ in HELD_OUT]
    assert loaded.labels == classifier.labels
    assert loaded.predict_batch(texts) == classifier.predict_batch(texts)


def test_fitted_temperature_recovers_how_overconfident_the_logits_are() -> None:
    """Labels drawn from softmax(z / 2): the temperature that calibrates z is about 2."""
    generator = torch.Generator().manual_seed(3)
    logits = torch.randn(20_000, 5, generator=generator) * 3
    targets = torch.multinomial((logits / 2).softmax(dim=-1), 1, generator=generator).squeeze(1)
    assert fit_temperature(logits, targets) == pytest.approx(2.0, rel=0.1)
    assert fit_temperature(logits[:0], targets[:0]) == 1.0


def test_class_weights_give_rare_intents_more_weight_per_example() -> None:
    """Intent 0 has 6 examples, intent 1 has 2, intent 2 none: each present intent then weighs
    the same in total, and the weights average 1 over the examples."""
    weights = class_weights([0, 0, 0, 0, 0, 0, 1, 1], 3).tolist()
    assert weights == pytest.approx([8 / 12, 8 / 4, 0.0])
    assert 6 * weights[0] + 2 * weights[1] == pytest.approx(8)
    assert 6 * weights[0] == pytest.approx(2 * weights[1])


def test_calibrated_temperature_is_saved_and_used_after_load(
    classifier: IntentClassifier, saved_dir: Path
) -> None:
    metadata = json.loads((saved_dir / "config.json").read_text())
    assert metadata["temperature"] == classifier.temperature != 1.0
    loaded = IntentClassifier.load(saved_dir)
    assert loaded.temperature == classifier.temperature
    ranking = loaded.predict("where is my parcel")
    raw = IntentClassifier.load(saved_dir)
    raw.temperature = 1.0
    raw_ranking = raw.predict("where is my parcel")
    assert [s.intent for s in ranking] == [s.intent for s in raw_ranking]
    assert ranking[0].confidence != pytest.approx(raw_ranking[0].confidence, abs=1e-3)


def test_model_with_a_broken_temperature_says_to_retrain(saved_dir: Path, tmp_path: Path) -> None:
    for path in saved_dir.iterdir():
        target = tmp_path / path.name
        if path.is_dir():
            shutil.copytree(path, target)
        else:
            shutil.copy(path, target)
    metadata = json.loads((saved_dir / "config.json").read_text())
    (tmp_path / "config.json").write_text(json.dumps({**metadata, "temperature": 0}))
    with pytest.raises(IntentModelLoadError, match="temperature.*shopdesk train --force"):
        IntentClassifier.load(tmp_path)


def test_load_of_missing_model_says_to_train(tmp_path: Path) -> None:
    with pytest.raises(IntentModelLoadError, match="No intent classifier in .*shopdesk train"):
        IntentClassifier.load(tmp_path)


def test_load_of_incomplete_model_says_to_retrain(saved_dir: Path, tmp_path: Path) -> None:
    for name in ("config.json", "manifest.json"):
        (tmp_path / name).write_text((saved_dir / name).read_text())
    with pytest.raises(IntentModelLoadError, match="incomplete"):
        IntentClassifier.load(tmp_path)


def test_onnx_runtime_uses_as_many_threads_as_pytorch(classifier: IntentClassifier) -> None:
    """SHOPDESK_TORCH_THREADS (torch.set_num_threads) also sets the ONNX Runtime sessions'
    (the int8 graph's, which answers every message, and the float32 graph's when it is used)."""
    exact = classifier.with_inference_dtype("onnx")
    for threads in (2, 1):
        with torch_threads(threads):
            classifier.predict("where is my parcel")
            exact.predict("where is my parcel")
            assert classifier._onnx_int8 is not None and exact._onnx is not None
            for session in (classifier._onnx_int8._session, exact._onnx._session):
                assert session.get_session_options().intra_op_num_threads == threads


def test_load_without_the_onnx_graph_says_to_retrain(saved_dir: Path, tmp_path: Path) -> None:
    shutil.copytree(saved_dir, tmp_path, dirs_exist_ok=True)
    (tmp_path / "intent.onnx").unlink()
    with pytest.raises(IntentModelLoadError, match="incomplete.*intent.onnx.*shopdesk train"):
        IntentClassifier.load(tmp_path)


def test_damaged_onnx_graph_says_to_retrain(saved_dir: Path, tmp_path: Path) -> None:
    shutil.copytree(saved_dir, tmp_path, dirs_exist_ok=True)
    (tmp_path / "intent.onnx").write_bytes(b"not an onnx graph")
    with pytest.raises(IntentModelLoadError, match=r"intent\.onnx is damaged.*shopdesk train"):
        IntentClassifier.load(tmp_path)


def test_model_saved_by_an_older_shopdesk_says_to_retrain(saved_dir: Path, tmp_path: Path) -> None:
    """Format 1 kept the format version in config.json and wrote no manifest."""
    metadata = json.loads((saved_dir / "config.json").read_text())
    (tmp_path / "config.json").write_text(json.dumps({"format_version": 1, **metadata}))
    with pytest.raises(IntentModelLoadError, match="older shopdesk.*shopdesk train --force"):
        IntentClassifier.load(tmp_path)


def test_same_seed_same_predictions_other_seed_differs() -> None:
    texts, labels = small_training_set()
    config = IntentClassifierConfig(epochs=1, batch_size=8, validation_fraction=0.2, seed=3)
    probe = ["hello friend", "where is my parcel", "cancel it please"]

    first = IntentClassifier.train(texts, labels, config, progress=False).predict_batch(probe)
    again = IntentClassifier.train(texts, labels, config, progress=False).predict_batch(probe)
    other = IntentClassifier.train(
        texts, labels, IntentClassifierConfig(**{**config.as_dict(), "seed": 4}), progress=False
    ).predict_batch(probe)

    assert first == again
    assert first != other


def test_stratified_split_never_holds_out_kept_positions() -> None:
    label_ids = [0] * 10 + [1] * 3
    plain = stratified_split(label_ids, 0.2, seed=1)
    held = set(plain[1])
    train, validation = stratified_split(label_ids, 0.2, seed=1, keep=held | {10, 11})
    assert not (held | {10, 11}) & set(validation)
    assert len(validation) == len(plain[1])  # as many held out, others in their place
    assert sorted(train + validation) == list(range(13))
    assert stratified_split(label_ids, 0.2, seed=1, keep=()) == plain


def test_stratified_split_holds_out_per_intent_and_keeps_singletons() -> None:
    label_ids = [0] * 10 + [1] * 10 + [2] * 2 + [3]
    train, validation = stratified_split(label_ids, 0.2, seed=1)
    assert sorted(train + validation) == list(range(len(label_ids)))
    held_out = [label_ids[i] for i in validation]
    assert held_out.count(0) == 2 and held_out.count(1) == 2
    assert 2 not in held_out and 3 not in held_out
    assert stratified_split(label_ids, 0.2, seed=1) == (train, validation)
    assert stratified_split(label_ids, 0.0, seed=1)[1] == []


def test_huge_message_is_truncated_quickly(classifier: IntentClassifier) -> None:
    huge = "where is my order " * 60_000  # about 1 MB
    ranking = classifier.predict(huge)
    assert ranking[0].intent == "order_status"


def test_empty_message_gets_a_ranking(classifier: IntentClassifier) -> None:
    ranking = classifier.predict("")
    assert len(ranking) == len(TRAINING_EXAMPLES)


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("epochs", 0, "epochs must be at least 1"),
        ("batch_size", 2.5, "batch_size must be a whole number"),
        ("learning_rate", 0.0, "learning_rate must be greater than 0"),
        ("validation_fraction", 0.9, "validation_fraction must be at least 0.0 and below 0.5"),
        ("max_length", 4096, "max_length must be at least 4 and at most 512"),
        ("label_smoothing", -0.1, "label_smoothing must be at least 0.0"),
        ("patience", True, "patience must be a whole number"),
        ("base_model", "", "base_model must name a model"),
        ("inference_dtype", "int4", "inference_dtype must be one of auto, float32, bfloat16"),
    ],
)
def test_bad_config_is_refused_with_the_setting_named(
    setting: str, value: object, message: str
) -> None:
    with pytest.raises(IntentConfigError, match=message):
        IntentClassifierConfig(**{setting: value})


def test_unknown_setting_lists_the_valid_ones() -> None:
    with pytest.raises(IntentConfigError, match="unknown intent classifier setting.*epochs"):
        IntentClassifierConfig.from_mapping({"epoch": 3})


@pytest.mark.parametrize(
    ("texts", "labels", "message"),
    [
        ([], [], "no training examples"),
        (["hi", "bye"], ["greet"], "2 texts but 1 labels"),
        (["hi", "hello"], ["greet", "greet"], "only one intent"),
        (["hi", "bye"], ["greet", ""], "empty intent name"),
    ],
)
def test_unusable_training_data_is_refused(
    texts: list[str], labels: list[str], message: str
) -> None:
    with pytest.raises(IntentTrainingDataError, match=message):
        IntentClassifier.train(texts, labels, FAST, progress=False)
