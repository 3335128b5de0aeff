"""Partial fine-tuning (``trainable_layers``) and the prediction formats: ONNX Runtime (float32
and int8 with float32 re-checks, the default), PyTorch int8, bfloat16.

One small model is trained per module on the shop's own NLU data (10 examples per intent),
then every message of nlu_data/test is classified in each number format.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch
import yaml

from models import intent_classifier
from models.intent_classifier import IntentClassifier, IntentClassifierConfig
from models.intent_model import IntentConfigError, IntentModelLoadError
from models.pretrained import resolve_pretrained

NLU_DATA = Path(__file__).resolve().parents[2] / "nlu_data"
#: "[navy](color)" / "[pacer]{...}" annotations -> the annotated words.
ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")
EXAMPLES_PER_INTENT = 10
FAST_PARTIAL = IntentClassifierConfig(
    trainable_layers=1,
    epochs=3,
    batch_size=16,
    head_learning_rate=5e-3,
    warmup_ratio=0.0,
    validation_fraction=0.0,
    inference_dtype="float32",
)


def read_nlu(directory: Path) -> tuple[list[str], list[str]]:
    """Texts and intents of the Rasa NLU YAML files in ``directory``, annotations removed."""
    texts, labels = [], []
    for path in sorted(directory.glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []:
            if "intent" not in block:
                continue
            for line in block["examples"].splitlines():
                text = ANNOTATION.sub(r"\1", line.strip().removeprefix("- ").strip())
                if text:
                    texts.append(text)
                    labels.append(block["intent"])
    return texts, labels


@pytest.fixture(scope="module")
def classifier() -> IntentClassifier:
    texts, labels = read_nlu(NLU_DATA / "train")
    kept: dict[str, int] = {}
    small_texts, small_labels = [], []
    for text, label in zip(texts, labels, strict=True):
        if kept.get(label, 0) < EXAMPLES_PER_INTENT:
            kept[label] = kept.get(label, 0) + 1
            small_texts.append(text)
            small_labels.append(label)
    return IntentClassifier.train(small_texts, small_labels, FAST_PARTIAL, progress=False)


@pytest.fixture(scope="module")
def test_texts() -> list[str]:
    texts, _ = read_nlu(NLU_DATA / "test")
    assert len(texts) > 300
    return texts


def _top_intents(classifier: IntentClassifier, texts: list[str]) -> list[str]:
    return [ranking[0].intent for ranking in classifier.predict_batch(texts)]


def test_partial_fine_tuning_learns_the_shop_intents(classifier: IntentClassifier) -> None:
    texts, labels = read_nlu(NLU_DATA / "test")
    predicted = _top_intents(classifier, texts)
    accuracy = sum(p == label for p, label in zip(predicted, labels, strict=True)) / len(labels)
    assert accuracy > 0.7


def test_int8_mostly_agrees_with_float32_and_only_on_near_ties_differs(
    classifier: IntentClassifier, test_texts: list[str]
) -> None:
    # Measured: int8 changes the top intent of ~7% of messages of this weakly trained model,
    # always where float32's top two are within 0.2; this is why int8 is not the default.
    exact = classifier.predict_batch(test_texts)
    int8 = classifier.with_inference_dtype("int8").predict_batch(test_texts)
    differing = [e for e, q in zip(exact, int8, strict=True) if e[0].intent != q[0].intent]
    assert len(differing) <= 0.1 * len(test_texts)
    assert all(e[0].confidence - e[1].confidence < 0.2 for e in differing)


def test_bfloat16_predicts_the_same_top_intent_as_float32_except_on_near_ties(
    classifier: IntentClassifier, test_texts: list[str]
) -> None:
    exact = classifier.predict_batch(test_texts)
    bfloat16 = _top_intents(classifier.with_inference_dtype("bfloat16"), test_texts)
    differing = [e for e, b in zip(exact, bfloat16, strict=True) if e[0].intent != b]
    # bfloat16 keeps 8 bits of mantissa: only a near tie between float32's top two can flip.
    assert len(differing) <= 0.01 * len(test_texts)
    assert all(e[0].confidence - e[1].confidence < 0.05 for e in differing)


def test_int8_confidences_stay_close_to_float32(
    classifier: IntentClassifier, test_texts: list[str]
) -> None:
    int8 = classifier.with_inference_dtype("int8")
    for text in test_texts[::20]:
        exact = {s.intent: s.confidence for s in classifier.predict(text)}
        for score in int8.predict(text)[:3]:
            assert score.confidence == pytest.approx(exact[score.intent], abs=0.3)


def test_only_the_top_layers_are_trained(classifier: IntentClassifier) -> None:
    from transformers import AutoModel

    original = AutoModel.from_pretrained(resolve_pretrained("bundled:all-MiniLM-L6-v2"))
    trained = classifier._network.encoder
    assert torch.equal(
        trained.embeddings.word_embeddings.weight, original.embeddings.word_embeddings.weight
    )
    assert torch.equal(
        trained.encoder.layer[4].output.dense.weight, original.encoder.layer[4].output.dense.weight
    )
    assert not torch.equal(
        trained.encoder.layer[5].output.dense.weight, original.encoder.layer[5].output.dense.weight
    )


def test_int8_setting_survives_save_and_load(
    classifier: IntentClassifier, test_texts: list[str], tmp_path: Path
) -> None:
    int8 = classifier.with_inference_dtype("int8")
    int8.save(tmp_path)
    loaded = IntentClassifier.load(tmp_path)
    assert loaded.config.inference_dtype == "int8"
    assert loaded.config.trainable_layers == 1
    assert _top_intents(loaded, test_texts[:40]) == _top_intents(int8, test_texts[:40])


@pytest.mark.parametrize("value", [-1, 1.5, "2"])
def test_trainable_layers_must_be_a_whole_number_from_zero(value: object) -> None:
    with pytest.raises(IntentConfigError, match="trainable_layers"):
        IntentClassifierConfig(trainable_layers=value)


def test_onnx_runtime_gives_the_torch_intents_and_confidences(
    classifier: IntentClassifier, test_texts: list[str]
) -> None:
    """The default prediction path (ONNX Runtime) against PyTorch float32 on every message of
    nlu_data/test, in batches (padded) and one at a time."""
    runtime = classifier.with_inference_dtype("onnx")
    exact = classifier.predict_batch(test_texts)
    batched = runtime.predict_batch(test_texts)
    single = [runtime.predict(text) for text in test_texts[::10]]
    assert runtime._onnx is not None and classifier._onnx is None
    pairs = [*zip(exact, batched, strict=True), *zip(exact[::10], single, strict=True)]
    for reference, fast in pairs:
        assert fast[0].intent == reference[0].intent
        confidences = {score.intent: score.confidence for score in fast}
        for score in reference:
            assert confidences[score.intent] == pytest.approx(score.confidence, abs=1e-4)


def test_onnx_graphs_are_saved_and_loaded_with_the_model(
    classifier: IntentClassifier, test_texts: list[str], tmp_path: Path
) -> None:
    default = classifier.with_inference_dtype("auto")
    default.save(tmp_path)
    assert (tmp_path / "intent.onnx").stat().st_size > 1_000_000
    # Exported with ONNX Runtime's fused transformer operators, one attention per layer.
    operators = [node.op_type for node in onnx.load(str(tmp_path / "intent.onnx")).graph.node]
    assert operators.count("Attention") == 6 and "SkipLayerNormalization" in operators
    # Its int8 copy computes the attention and the dense layers with integer operators.
    int8_graph = onnx.load(str(tmp_path / "intent-int8.onnx"))
    int8_operators = [node.op_type for node in int8_graph.graph.node]
    assert int8_operators.count("QAttention") == 6 and "MatMulInteger" in int8_operators
    assert (tmp_path / "intent-int8.onnx").stat().st_size < 0.4 * (
        tmp_path / "intent.onnx"
    ).stat().st_size
    loaded = IntentClassifier.load(tmp_path)
    assert loaded._onnx is not None and loaded._onnx_int8 is not None  # ready before a message
    reference = default.predict_batch(test_texts[:40])
    for fast, exact in zip(loaded.predict_batch(test_texts[:40]), reference, strict=True):
        assert fast[0].intent == exact[0].intent
        assert fast[0].confidence == pytest.approx(exact[0].confidence, abs=1e-4)


def test_int8_near_ties_and_every_fallback_decision_are_left_to_float32(
    classifier: IntentClassifier, test_texts: list[str]
) -> None:
    """The default path answers clear messages from the int8 graph and re-checks in float32
    every message whose int8 top two are within ``recheck_margin`` (0.3): so every message
    that could fall below the bot's fallback threshold (0.3) or be ambiguous gets float32's
    confidences, and the top intent differs from float32's only on clear int8 winners."""
    exact = classifier.with_inference_dtype("onnx").predict_batch(test_texts)
    default = classifier.with_inference_dtype("auto")
    assert default.config.recheck_margin == 0.3
    checked = default.predict_batch(test_texts)
    int8_alone = replace_margin(default, 0.0).predict_batch(test_texts)
    # The int8 graph is really used: its confidences are not float32's.
    assert any(
        abs(q[0].confidence - e[0].confidence) > 1e-3
        for q, e in zip(int8_alone, exact, strict=True)
    )
    for fast, reference in zip(checked, exact, strict=True):
        if fast[0].confidence < 0.3 or fast[0].confidence - fast[1].confidence < 0.3:
            assert fast[0].intent == reference[0].intent
            assert fast[0].confidence == pytest.approx(reference[0].confidence, abs=1e-4)
    differing = sum(f[0].intent != e[0].intent for f, e in zip(checked, exact, strict=True))
    assert differing <= 0.01 * len(test_texts)
    # A margin of 1 re-checks every message: float32's answers throughout.
    everything = replace_margin(default, 1.0).predict_batch(test_texts[::5])
    for fast, reference in zip(everything, exact[::5], strict=True):
        assert [s.intent for s in fast] == [s.intent for s in reference]


def replace_margin(model: IntentClassifier, margin: float) -> IntentClassifier:
    """``model`` with another ``recheck_margin`` (same weights and graphs)."""
    return IntentClassifier(
        model._tokenizer,
        model._network,
        model.labels,
        dataclasses.replace(model.config, recheck_margin=margin),
        model.training_data,
        model.temperature,
        model._onnx_model().graph,
        model._int8_model().graph,
    )


def test_a_model_saved_without_the_int8_graph_gets_it_derived_on_load(
    classifier: IntentClassifier, test_texts: list[str], tmp_path: Path
) -> None:
    default = classifier.with_inference_dtype("auto")
    default.save(tmp_path)
    (tmp_path / "intent-int8.onnx").unlink()
    loaded = IntentClassifier.load(tmp_path)
    assert _top_intents(loaded, test_texts[:40]) == _top_intents(default, test_texts[:40])


def test_a_damaged_int8_graph_is_named_with_what_to_do(
    classifier: IntentClassifier, tmp_path: Path
) -> None:
    classifier.with_inference_dtype("auto").save(tmp_path)
    (tmp_path / "intent-int8.onnx").write_bytes(b"not an onnx graph")
    with pytest.raises(IntentModelLoadError, match=r"intent-int8\.onnx is damaged.*shopdesk train"):
        IntentClassifier.load(tmp_path)


@pytest.mark.parametrize("value", [-0.1, 1.5, "0.3"])
def test_recheck_margin_must_be_a_fraction(value: object) -> None:
    with pytest.raises(IntentConfigError, match="recheck_margin"):
        IntentClassifierConfig(recheck_margin=value)


def test_a_fused_graph_that_gives_other_logits_is_not_kept(
    classifier: IntentClassifier,
    test_texts: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Were the optimizer to fuse an encoder wrongly, the model keeps the plain graph."""
    logits = iter([np.ones((1, 3)), np.zeros((1, 3))])  # fused, then plain: they differ
    monkeypatch.setattr(intent_classifier, "_graph_logits", lambda graph, example: next(logits))
    with caplog.at_level(logging.WARNING, logger="models.intent_classifier"):
        classifier.with_inference_dtype("auto").save(tmp_path)
    assert "Kept the unfused ONNX graph" in caplog.text
    operators = [node.op_type for node in onnx.load(str(tmp_path / "intent.onnx")).graph.node]
    assert "Attention" not in operators and "MatMul" in operators
    loaded = IntentClassifier.load(tmp_path)
    for fast, exact in zip(
        loaded.predict_batch(test_texts[:20]),
        classifier.predict_batch(test_texts[:20]),
        strict=True,
    ):
        assert fast[0].intent == exact[0].intent
