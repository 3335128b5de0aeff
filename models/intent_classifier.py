"""BERT intent classifier: a pretrained transformer encoder, mean pooling and a linear head.

The encoder (by default the bundled all-MiniLM-L6-v2, a 6-layer BERT) is fine-tuned end to
end together with a small linear head on the mean of its token embeddings. Mean pooling is
what all-MiniLM-L6-v2 was trained with, so its sentence embeddings are already good intent
features and a few epochs on a few examples per intent are enough.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import math
import random
import tempfile
import warnings
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime
import torch
from onnxruntime.capi.onnxruntime_pybind11_state import Fail, InvalidGraph, InvalidProtobuf
from safetensors.torch import load_file, save_file
from torch import nn
from tqdm.auto import tqdm
from transformers import (
    AutoModel,
    AutoTokenizer,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    get_linear_schedule_with_warmup,
)

from models.intent_model import (
    CorruptIntentModelError,
    IncompatibleIntentModelError,
    IntentConfigError,
    IntentModel,
    IntentModelLoadError,
    IntentModelNotFoundError,
    IntentScore,
    IntentTrainingDataError,
)
from models.pretrained import resolve_pretrained
from models.torch_threads import torch_threads
from storage.artefacts import ArtefactKind

logger = logging.getLogger(__name__)

#: Version of the on-disk layout written by :meth:`IntentClassifier.save` (2: manifest.json;
#: 3: the ONNX graph of the network).
FORMAT_VERSION = 3
CONFIG_FILE = "config.json"
HEAD_FILE = "head.safetensors"
ENCODER_DIR = "encoder"
TOKENIZER_DIR = "tokenizer"
#: The float32 network (encoder, mean pooling, head) as an ONNX graph for ONNX Runtime.
ONNX_FILE = "intent.onnx"
#: The same graph with int8 weights (:func:`_quantized_onnx`); derived from ``ONNX_FILE`` when a
#: model saved before it was added is loaded.
INT8_ONNX_FILE = "intent-int8.onnx"
#: ONNX operator set of that graph (ONNX Runtime runs it from version 1.13 on).
ONNX_OPSET = 17
#: Texts the ONNX graph is traced with and its fused form checked on: several lengths in one
#: padded batch, so the check also covers how the fused attention applies the padding mask.
EXPORT_CHECK_TEXTS = (
    "hello",
    "where is my order 10006?",
    "do you have running shoes under $100 in blue, size 42, that ship to Canada by Friday?",
)

#: The saved intent classifier in the persistence contract of :mod:`storage.artefacts`.
ARTEFACT = ArtefactKind(
    name="intent-classifier",
    label="intent classifier",
    format_version=FORMAT_VERSION,
    fix="retrain it with `shopdesk train --force`",
    not_found=IntentModelNotFoundError,
    incompatible=IncompatibleIntentModelError,
    corrupt=CorruptIntentModelError,
)

#: Characters kept per token of ``max_length`` before tokenizing. Word pieces average about
#: four characters, so this keeps every text that could fill ``max_length`` tokens whole while
#: a megabyte-long message costs no more to tokenize than a paragraph.
CHARS_PER_TOKEN_BUDGET = 16

#: Values of ``IntentClassifierConfig.inference_dtype``.
#: ``auto``, ``onnx-int8`` and ``onnx`` run the network with ONNX Runtime (:class:`_OnnxLogits`);
#: ``auto`` and ``onnx-int8`` with int8 weights, near ties decided by the float32 graph.
INFERENCE_DTYPES = ("auto", "float32", "bfloat16", "int8", "onnx", "onnx-int8")
ONNX_RUNTIME_DTYPES = ("auto", "onnx", "onnx-int8")
INT8_RUNTIME_DTYPES = ("auto", "onnx-int8")

#: Texts per batch when the frozen lower layers are run once over the training data.
FROZEN_PASS_BATCH_SIZE = 128

#: Smallest drop in validation loss that counts as an improvement for early stopping.
MIN_LOSS_IMPROVEMENT = 1e-4

#: Softmax temperatures tried when calibrating confidences: 0.1 to 10, evenly on a log scale.
TEMPERATURE_GRID = tuple(10 ** (step / 50) for step in range(-50, 51))


def _require_int(name: str, value: Any, minimum: int, maximum: int | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise IntentConfigError(f"{name} must be a whole number, got {value!r}")
    if value < minimum or (maximum is not None and value > maximum):
        upper = f" and at most {maximum}" if maximum is not None else ""
        raise IntentConfigError(f"{name} must be at least {minimum}{upper}, got {value}")


def _require_float(
    name: str,
    value: Any,
    minimum: float,
    maximum: float,
    *,
    open_low: bool = False,
    closed_high: bool = False,
) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise IntentConfigError(f"{name} must be a number, got {value!r}")
    too_low = value <= minimum if open_low else value < minimum
    too_high = value > maximum if closed_high else value >= maximum
    if too_low or too_high or math.isnan(value):
        low = f"greater than {minimum}" if open_low else f"at least {minimum}"
        high = f"at most {maximum}" if closed_high else f"below {maximum}"
        raise IntentConfigError(f"{name} must be {low} and {high}, got {value}")


@dataclass(frozen=True)
class IntentClassifierConfig:
    """How :class:`IntentClassifier` is trained. Defaults suit all-MiniLM-L6-v2.

    ``base_model`` is ``bundled:all-MiniLM-L6-v2``, a model hub name such as
    ``bert-base-uncased``, or a local directory holding a transformers model.
    """

    base_model: str = "bundled:all-MiniLM-L6-v2"
    #: Tokens kept per message; longer messages are truncated.
    max_length: int = 64
    #: Upper bound on training epochs; early stopping usually ends training sooner.
    epochs: int = 10
    batch_size: int = 16
    #: Learning rate of the encoder.
    learning_rate: float = 1e-4
    #: Learning rate of the freshly initialised linear head.
    head_learning_rate: float = 1e-3
    weight_decay: float = 0.01
    #: Share of the optimisation steps with a linearly rising learning rate.
    warmup_ratio: float = 0.1
    #: Share of each intent's examples held out to pick the best epoch (0 disables).
    validation_fraction: float = 0.1
    #: Epochs without a better validation score before training stops.
    patience: int = 3
    seed: int = 13
    label_smoothing: float = 0.1
    #: Dropout on the pooled sentence embedding before the head.
    dropout: float = 0.1
    #: PyTorch threads used while training (:mod:`models.torch_threads`); ``None`` keeps
    #: PyTorch's current setting.
    num_threads: int | None = None
    #: How predictions are computed. ``auto`` (= ``onnx-int8``) runs an int8 copy of the network
    #: with ONNX Runtime and lets the float32 graph decide every message whose top two
    #: confidences are within ``recheck_margin`` (about half the CPU of ``onnx`` per message,
    #: the same top intent on all but ~1 in 1,000 messages); ``onnx`` runs only the float32
    #: graph (confidences within ~1e-5 of ``float32``, a third of its CPU); ``float32`` runs the
    #: network in PyTorch; ``bfloat16`` a bfloat16 copy in PyTorch (fast only on CPUs with native
    #: bfloat16); ``int8`` PyTorch's dynamic int8 alone (changes some near ties). Saved weights
    #: are always float32.
    inference_dtype: str = "auto"
    #: With ``auto`` / ``onnx-int8``: a message whose int8 top two confidences differ by less
    #: than this is classified again by the float32 graph. Every message with a top confidence
    #: under this value is then decided in float32, so keep it at or above the bot's fallback
    #: threshold and ambiguity threshold (0.3 and 0.05 in bot/config.yml).
    recheck_margin: float = 0.3
    #: How many of the encoder's top transformer layers are fine-tuned; ``None`` fine-tunes the
    #: whole encoder including the word embeddings. With a number, the frozen lower layers run
    #: once over the training data and only the top layers and the head train per epoch, which
    #: makes an epoch several times cheaper (0 trains the head alone on frozen embeddings).
    trainable_layers: int | None = None
    #: Fit one softmax temperature on the held-out validation examples after training
    #: (temperature scaling, Guo et al. 2017), so a confidence means about how often the top
    #: intent is right. Label smoothing and early stopping leave the raw softmax under-confident,
    #: which sends right answers below the bot's fallback threshold. Never changes the ranking.
    calibrate_confidence: bool = True
    #: Weigh each intent's examples in the loss by the inverse of its share of the training
    #: examples, so intents with many (entity-augmented) examples do not pull unfamiliar
    #: messages towards themselves.
    balance_classes: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.base_model, str) or not self.base_model.strip():
            raise IntentConfigError(
                "base_model must name a model: 'bundled:all-MiniLM-L6-v2', a hub name such "
                f"as 'bert-base-uncased', or a local directory; got {self.base_model!r}"
            )
        _require_int("max_length", self.max_length, 4, 512)
        _require_int("epochs", self.epochs, 1)
        _require_int("batch_size", self.batch_size, 1)
        _require_float("learning_rate", self.learning_rate, 0.0, 1.0, open_low=True)
        _require_float("head_learning_rate", self.head_learning_rate, 0.0, 1.0, open_low=True)
        _require_float("weight_decay", self.weight_decay, 0.0, 1.0)
        _require_float("warmup_ratio", self.warmup_ratio, 0.0, 1.0)
        _require_float("validation_fraction", self.validation_fraction, 0.0, 0.5)
        _require_int("patience", self.patience, 1)
        _require_int("seed", self.seed, 0)
        _require_float("label_smoothing", self.label_smoothing, 0.0, 1.0)
        _require_float("dropout", self.dropout, 0.0, 1.0)
        _require_float("recheck_margin", self.recheck_margin, 0.0, 1.0, closed_high=True)
        if self.num_threads is not None:
            _require_int("num_threads", self.num_threads, 1)
        if self.trainable_layers is not None:
            _require_int("trainable_layers", self.trainable_layers, 0)
        for name in ("calibrate_confidence", "balance_classes"):
            if not isinstance(getattr(self, name), bool):
                raise IntentConfigError(
                    f"{name} must be true or false, got {getattr(self, name)!r}"
                )
        if self.inference_dtype not in INFERENCE_DTYPES:
            raise IntentConfigError(
                f"inference_dtype must be one of {', '.join(INFERENCE_DTYPES)}, "
                f"got {self.inference_dtype!r}"
            )

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> IntentClassifierConfig:
        """Build a config from a mapping such as a Rasa component config; unknown keys fail."""
        known = {field.name for field in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise IntentConfigError(
                f"unknown intent classifier setting(s) {', '.join(unknown)}; "
                f"valid settings are {', '.join(sorted(known))}"
            )
        return cls(**values)

    def as_dict(self) -> dict[str, Any]:
        """The config as plain JSON-compatible values."""
        return asdict(self)


@dataclass(frozen=True)
class EpochResult:
    """What one training epoch achieved (validation values are ``None`` without a split)."""

    epoch: int
    train_loss: float
    validation_loss: float | None
    validation_accuracy: float | None


@dataclass(frozen=True)
class ValidationPrediction:
    """The trained model's top intent and confidence for one held-out validation example."""

    label: str
    predicted: str
    confidence: float


class _EarlyStopping:
    """Remembers the best epoch (validation accuracy, then loss) and counts epochs since."""

    def __init__(self, patience: int) -> None:
        self.patience = patience
        self.best_accuracy = -1.0
        self.best_loss = math.inf
        self.best_state: dict[str, torch.Tensor] | None = None
        self.stale_epochs = 0

    def should_stop(self, accuracy: float, loss: float, network: nn.Module) -> bool:
        """Record an epoch's validation scores; True after ``patience`` epochs without progress."""
        improved = accuracy > self.best_accuracy or (
            accuracy == self.best_accuracy and loss < self.best_loss - MIN_LOSS_IMPROVEMENT
        )
        if improved:
            self.best_accuracy, self.best_loss = accuracy, loss
            self.best_state = {k: v.detach().clone() for k, v in network.state_dict().items()}
            self.stale_epochs = 0
            return False
        self.stale_epochs += 1
        return self.stale_epochs >= self.patience

    def restore_best(self, network: nn.Module) -> None:
        """Load the best epoch's weights back (no-op without validation)."""
        if self.best_state is not None:
            network.load_state_dict(self.best_state)


def _mean_pool(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)


def _transformer_layers(encoder: PreTrainedModel) -> nn.ModuleList:
    """The stack of transformer layers of a BERT-like encoder (``encoder.encoder.layer``)."""
    layers = getattr(getattr(encoder, "encoder", None), "layer", None)
    if not isinstance(layers, nn.ModuleList):
        raise IntentConfigError(
            f"trainable_layers needs a BERT-like encoder with encoder.layer; "
            f"{type(encoder).__name__} has none. Set trainable_layers: null to fine-tune it whole"
        )
    return layers


class _IntentNetwork(nn.Module):
    """Encoder, attention-masked mean pooling, dropout and a linear head."""

    def __init__(self, encoder: PreTrainedModel, num_labels: int, dropout: float) -> None:
        super().__init__()
        self.encoder = encoder
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(encoder.config.hidden_size, num_labels)

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        **extra: torch.Tensor,
    ) -> torch.Tensor:
        """Logits, one row per text."""
        output = self.encoder(input_ids=input_ids, attention_mask=attention_mask, **extra)
        return self.head(self.dropout(_mean_pool(output.last_hidden_state, attention_mask)))

    def freeze_below(self, trainable_layers: int) -> int:
        """Freeze all but the top ``trainable_layers`` layers; return the first trainable one."""
        layers = _transformer_layers(self.encoder)
        first = max(0, len(layers) - trainable_layers)
        for parameter in self.encoder.parameters():
            parameter.requires_grad_(False)
        for layer in layers[first:]:
            for parameter in layer.parameters():
                parameter.requires_grad_(True)
        return first

    def hidden_states_at(
        self,
        layer: int,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        **extra: torch.Tensor,
    ) -> torch.Tensor:
        """Token states entering transformer layer ``layer`` (0: the embeddings' output)."""
        output = self.encoder(
            input_ids=input_ids,
            attention_mask=attention_mask,
            output_hidden_states=True,
            **extra,
        )
        return output.hidden_states[layer]

    def forward_from(
        self, layer: int, hidden: torch.Tensor, attention_mask: torch.Tensor
    ) -> torch.Tensor:
        """Logits from token states entering layer ``layer``, running the layers above it."""
        extended = self.encoder.get_extended_attention_mask(attention_mask, attention_mask.shape)
        for block in _transformer_layers(self.encoder)[layer:]:
            hidden = block(hidden, attention_mask=extended)[0]
        return self.head(self.dropout(_mean_pool(hidden, attention_mask)))


def resolve_inference_dtype(name: str) -> torch.dtype:
    """The torch dtype of the network an ``inference_dtype`` setting predicts with (float32 for
    ``auto`` and ``onnx``, whose ONNX graph is exported from the float32 network)."""
    return {"bfloat16": torch.bfloat16, "int8": torch.qint8}.get(name, torch.float32)


def _quantized_int8(network: _IntentNetwork) -> _IntentNetwork:
    """A copy of ``network`` whose linear layers compute in int8 (dynamic quantization)."""
    with warnings.catch_warnings():
        # PyTorch announces that eager-mode quantization moves to torchao; it still works here.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        return torch.ao.quantization.quantize_dynamic(
            copy.deepcopy(network), {nn.Linear}, dtype=torch.qint8
        ).eval()


#: What ONNX Runtime raises for a graph it cannot read.
_ONNX_LOAD_ERRORS = (Fail, InvalidGraph, InvalidProtobuf, RuntimeError)


def _export_onnx(network: _IntentNetwork, example: Mapping[str, torch.Tensor]) -> bytes:
    """``network`` (eval mode: dropout off) as an ONNX graph from token ids and attention mask
    to logits, with the batch size and the sequence length left open.

    Uses PyTorch's TorchScript-based exporter (``dynamo=False``). Token type ids are not an
    input: a single text's are all 0, which is what BERT-like encoders assume without them.
    """
    network.eval()
    with tempfile.TemporaryDirectory() as scratch, warnings.catch_warnings(), torch.no_grad():
        path = Path(scratch) / ONNX_FILE
        # The exporter warns about tracing Python control flow that has one outcome here and
        # announces its deprecation in favour of the dynamo exporter (which needs onnxscript).
        warnings.simplefilter("ignore")
        torch.onnx.export(
            network,
            (example["input_ids"], example["attention_mask"]),
            path,
            input_names=["input_ids", "attention_mask"],
            output_names=["logits"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "tokens"},
                "attention_mask": {0: "batch", 1: "tokens"},
                "logits": {0: "batch"},
            },
            opset_version=ONNX_OPSET,
            dynamo=False,
        )
        _fuse_transformer_operators(path, network.encoder.config, example)
        return path.read_bytes()


def _opens(graph: bytes) -> bool:
    """Whether ONNX Runtime can open ``graph``."""
    try:
        onnxruntime.InferenceSession(graph, providers=["CPUExecutionProvider"])
    except _ONNX_LOAD_ERRORS:
        return False
    return True


def _graph_logits(graph: bytes, example: Mapping[str, torch.Tensor]) -> np.ndarray:
    """Logits of the ONNX ``graph`` for the tokenized ``example``, on one thread."""
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.log_severity_level = 3
    session = onnxruntime.InferenceSession(graph, options, providers=["CPUExecutionProvider"])
    feed = {
        name: np.asarray(example[name], dtype=np.int64) for name in ("input_ids", "attention_mask")
    }
    return session.run(None, feed)[0]


def _fuse_transformer_operators(
    path: Path, config: Any, example: Mapping[str, torch.Tensor]
) -> None:
    """Rewrite the ONNX graph at ``path`` with ONNX Runtime's fused BERT operators (attention,
    skip + layer norm, bias + GELU, embeddings + layer norm), in place.

    ONNX Runtime's own transformer optimizer; its session-time optimisations do not find these
    fusions in an exported graph. About 10% less CPU per message with the same logits (within
    1e-5). The fused graph is kept only if it gives the plain graph's logits for ``example``
    (a padded batch of several lengths): an encoder the optimizer does not know (or fuses
    wrongly) keeps the plain graph.
    """
    from onnxruntime.transformers import optimizer

    plain = path.read_bytes()
    try:
        fused = optimizer.optimize_model(
            str(path),
            model_type="bert",
            num_heads=int(getattr(config, "num_attention_heads", 0) or 0),
            hidden_size=int(getattr(config, "hidden_size", 0) or 0),
            opt_level=0,
        )
        fused.save_model_to_file(str(path))
        same = np.allclose(
            _graph_logits(path.read_bytes(), example), _graph_logits(plain, example), atol=1e-4
        )
    except Exception as exc:  # the optimizer raises many kinds; the plain graph still works
        logger.warning("Kept the unfused ONNX graph of the intent classifier: %s", exc)
        path.write_bytes(plain)
        return
    if not same:
        logger.warning(
            "Kept the unfused ONNX graph of the intent classifier: the fused graph's logits "
            "differ from the network's."
        )
        path.write_bytes(plain)
        return
    logger.info("Fused ONNX operators: %s", fused.get_fused_operator_statistics())


class _QuantizerAdvice(logging.Filter):
    """Drops ONNX Runtime's advice to pre-process a graph before quantizing it: the graph it
    quantizes here is already shape-inferred and fused (:func:`_fuse_transformer_operators`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "pre-processing before quantization" not in record.getMessage()


def _quantized_onnx(graph: bytes) -> bytes:
    """``graph`` with int8 weights, one scale per output channel, and activations quantized per
    call (ONNX Runtime's dynamic quantization).

    About half the float32 graph's CPU for a short message. It moves confidences a little
    (median 0.0007 on the shop's test and outside messages) and so can change the top intent of
    a near tie: :meth:`IntentClassifier.predict_batch` re-checks those in float32.
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    advice = _QuantizerAdvice()
    logging.getLogger().addFilter(advice)
    try:
        with tempfile.TemporaryDirectory() as scratch:
            source, target = Path(scratch) / "float32.onnx", Path(scratch) / "int8.onnx"
            source.write_bytes(graph)
            quantize_dynamic(
                source,
                target,
                per_channel=True,
                weight_type=QuantType.QInt8,
                # Outputs of the fused operators (Attention, SkipLayerNormalization) have no
                # type the quantizer's shape inference knows; they are all float32.
                extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
            )
            return target.read_bytes()
    finally:
        logging.getLogger().removeFilter(advice)


class _OnnxLogits:
    """A graph of the network run by ONNX Runtime. The float32 graph costs a third of PyTorch's
    CPU for one short message (fused operators, no Python per layer) with the same logits within
    float rounding; the int8 graph (:func:`_quantized_onnx`) about half of that again.

    The session uses as many intra-op threads as PyTorch is set to (``torch.get_num_threads()``,
    in the bot ``SHOPDESK_TORCH_THREADS``); it is rebuilt, once, when that number changes.
    """

    def __init__(self, graph: bytes) -> None:
        self.graph = graph
        self._threads = torch.get_num_threads()
        self._session = self._new_session(self._threads)

    def _new_session(self, threads: int) -> onnxruntime.InferenceSession:
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        # Idle threads sleep instead of spinning: the cores are shared with the web server.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        return onnxruntime.InferenceSession(self.graph, options, providers=["CPUExecutionProvider"])

    def __call__(self, encoded: Mapping[str, np.ndarray]) -> torch.Tensor:
        """Logits (float32) for tokenized texts (``input_ids`` and ``attention_mask``)."""
        threads = torch.get_num_threads()
        if threads != self._threads:
            self._session, self._threads = self._new_session(threads), threads
        feed = {
            name: np.asarray(encoded[name], dtype=np.int64)
            for name in ("input_ids", "attention_mask")
        }
        return torch.from_numpy(self._session.run(None, feed)[0])


class _FrozenStates:
    """Token states of the frozen lower layers for a fixed list of texts, computed once.

    Hand-written rather than a ``torch.utils.data.Dataset`` + ``DataLoader`` because the states
    come from a model pass, are stored unpadded and are padded per batch; a sampler would add
    nothing over ``torch.randperm``.
    """

    def __init__(self, states: list[torch.Tensor]) -> None:
        self.states = states

    def __len__(self) -> int:
        return len(self.states)

    def batch(self, positions: Sequence[int]) -> tuple[torch.Tensor, torch.Tensor]:
        """Padded token states and the attention mask of the examples at ``positions``."""
        chosen = [self.states[i] for i in positions]
        hidden = nn.utils.rnn.pad_sequence(chosen, batch_first=True)
        lengths = torch.tensor([len(state) for state in chosen])
        mask = (torch.arange(hidden.shape[1]).unsqueeze(0) < lengths.unsqueeze(1)).long()
        return hidden, mask


def fit_temperature(logits: torch.Tensor, targets: torch.Tensor) -> float:
    """The softmax temperature (from :data:`TEMPERATURE_GRID`) that minimises the cross-entropy
    of held-out ``logits`` against ``targets``; 1.0 without examples."""
    if len(targets) == 0:
        return 1.0
    with torch.no_grad():
        losses = [
            nn.functional.cross_entropy(logits.float() / temperature, targets).item()
            for temperature in TEMPERATURE_GRID
        ]
    return TEMPERATURE_GRID[min(range(len(losses)), key=losses.__getitem__)]


def class_weights(label_ids: Sequence[int], num_labels: int) -> torch.Tensor:
    """Loss weight per label: the inverse of its share of ``label_ids``, scaled to average 1 over
    the examples (a label without examples gets 0)."""
    counts = torch.bincount(torch.tensor(label_ids), minlength=num_labels).float()
    present = int((counts > 0).sum())
    return torch.where(counts > 0, len(label_ids) / (present * counts.clamp(min=1)), 0.0)


def _check_training_data(texts: Sequence[str], labels: Sequence[str]) -> None:
    if len(texts) != len(labels):
        raise IntentTrainingDataError(
            f"got {len(texts)} texts but {len(labels)} labels; "
            "every example needs exactly one intent"
        )
    if not texts:
        raise IntentTrainingDataError("no training examples: add intent examples to the NLU data")
    bad = [
        position
        for position, (text, label) in enumerate(zip(texts, labels, strict=True))
        if not isinstance(text, str) or not isinstance(label, str) or not label
    ]
    if bad:
        raise IntentTrainingDataError(
            f"examples {bad[:5]} have a non-text message or an empty intent name; "
            "every example needs a text and an intent"
        )
    if len(set(labels)) < 2:
        raise IntentTrainingDataError(
            f"only one intent ({labels[0]!r}) in the training data; a classifier needs at least two"
        )


def stratified_split(
    label_ids: Sequence[int], fraction: float, seed: int, keep: Collection[int] = ()
) -> tuple[list[int], list[int]]:
    """Split example positions into (train, validation), holding out ``fraction`` of each label;
    the positions in ``keep`` (examples staff reviewed) are always trained on.

    Hand-written rather than scikit-learn's ``train_test_split(stratify=...)`` because that
    refuses labels with a single example; here a label only gives up validation examples while
    it keeps at least two for training, so rare intents are trained on, never dropped.
    """
    by_label: dict[int, list[int]] = {}
    for position, label in enumerate(label_ids):
        by_label.setdefault(label, []).append(position)
    rng = random.Random(seed)
    kept = frozenset(keep)
    train: list[int] = []
    validation: list[int] = []
    for label in sorted(by_label):
        positions = by_label[label]
        rng.shuffle(positions)
        spare = [p for p in positions if p not in kept]
        positions = spare + [p for p in positions if p in kept]
        wanted = max(1, round(len(positions) * fraction)) if fraction > 0 else 0
        held_out = max(0, min(wanted, len(positions) - 2, len(spare)))
        validation.extend(positions[:held_out])
        train.extend(positions[held_out:])
    return sorted(train), sorted(validation)


def _load_pretrained(source: str) -> tuple[PreTrainedTokenizerBase, PreTrainedModel]:
    try:
        tokenizer = AutoTokenizer.from_pretrained(source)
        encoder = AutoModel.from_pretrained(source)
    except (OSError, ValueError) as exc:
        raise IntentModelLoadError(
            f"could not load the base model {source!r}: {exc}. Use 'bundled:all-MiniLM-L6-v2', "
            "a local directory with a transformers model, or a hub name in the local cache "
            "(HF_HUB_OFFLINE=1 forbids downloads)"
        ) from exc
    return tokenizer, encoder


#: What an epoch trains on: raw texts (whole encoder) or frozen lower-layer states.
_TrainingInputs = list[str] | _FrozenStates


class IntentClassifier(IntentModel):
    """Fine-tuned transformer that ranks a message's intents by softmax confidence."""

    def __init__(
        self,
        tokenizer: PreTrainedTokenizerBase,
        network: _IntentNetwork,
        labels: Sequence[str],
        config: IntentClassifierConfig,
        training_data: str | None = None,
        temperature: float = 1.0,
        onnx_graph: bytes | None = None,
        int8_graph: bytes | None = None,
    ) -> None:
        """``onnx_graph``: the network exported by :func:`_export_onnx` (exported on first use
        when ``None``); only read when ``config.inference_dtype`` runs ONNX Runtime.
        ``int8_graph``: its :func:`_quantized_onnx` copy (derived from ``onnx_graph`` when
        ``None``); only read for ``INT8_RUNTIME_DTYPES``."""
        if not temperature > 0:
            raise IntentConfigError(f"the softmax temperature must be above 0, got {temperature}")
        self._tokenizer = tokenizer
        #: Float32 master weights: trained, saved and used for validation.
        self._network = network.eval()
        self._inference_network = self._network
        self._labels = list(labels)
        self.config = config
        #: :func:`training_fingerprint` of the examples the model was trained on.
        self.training_data = training_data
        #: Logits are divided by this before the softmax (:func:`fit_temperature`; 1.0: raw).
        self.temperature = temperature
        #: Per-epoch results of the training run that produced this model (empty after load).
        self.history: list[EpochResult] = []
        #: The kept model's top intent for each held-out validation example (empty after load
        #: or without validation): what confidence thresholds are chosen from.
        self.validation_predictions: list[ValidationPrediction] = []
        self._max_chars = config.max_length * CHARS_PER_TOKEN_BUDGET
        #: First fine-tuned transformer layer while training with ``trainable_layers``.
        self._first_trainable = 0
        #: ONNX Runtime copy of the network (:meth:`_onnx_model`), for ``ONNX_RUNTIME_DTYPES``.
        self._onnx: _OnnxLogits | None = None
        #: Its int8 copy (:meth:`_int8_model`), for ``INT8_RUNTIME_DTYPES``.
        self._onnx_int8: _OnnxLogits | None = None
        self._prepare_inference()
        if onnx_graph is not None and self._uses_onnx:
            self._onnx = _OnnxLogits(onnx_graph)
            if self._uses_int8:
                self._onnx_int8 = _OnnxLogits(
                    int8_graph if int8_graph is not None else _quantized_onnx(onnx_graph)
                )

    @property
    def _uses_onnx(self) -> bool:
        return self.config.inference_dtype in ONNX_RUNTIME_DTYPES

    @property
    def _uses_int8(self) -> bool:
        return self.config.inference_dtype in INT8_RUNTIME_DTYPES

    def _prepare_inference(self) -> None:
        """Freeze the master weights and derive the (possibly bfloat16) prediction network;
        the ONNX graph of earlier weights is dropped (exported again on first use)."""
        self._network.eval()
        self._onnx = None
        self._onnx_int8 = None
        dtype = resolve_inference_dtype(self.config.inference_dtype)
        if dtype == torch.float32:
            self._inference_network = self._network
        elif dtype == torch.qint8:
            self._inference_network = _quantized_int8(self._network)
        else:
            self._inference_network = copy.deepcopy(self._network).to(dtype).eval()

    @property
    def labels(self) -> list[str]:
        """The intents this model can predict, in head order."""
        return list(self._labels)

    def with_inference_dtype(self, inference_dtype: str) -> IntentClassifier:
        """The same trained weights, predicting in another number format (``inference_dtype``)."""
        config = replace(self.config, inference_dtype=inference_dtype)
        return IntentClassifier(
            self._tokenizer,
            self._network,
            self._labels,
            config,
            self.training_data,
            self.temperature,
            self._onnx.graph if self._onnx is not None else None,
            self._onnx_int8.graph if self._onnx_int8 is not None else None,
        )

    # ---------------------------------------------------------------- training

    @classmethod
    def train(
        cls,
        texts: Sequence[str],
        labels: Sequence[str],
        config: IntentClassifierConfig | None = None,
        progress: bool = True,
        always_train: Collection[int] = (),
    ) -> IntentClassifier:
        """Fine-tune ``config.base_model`` on the examples; same data and seed give the same model.

        Holds out ``validation_fraction`` of each intent (never the examples at the positions in
        ``always_train``), stops after ``patience`` epochs
        without a better validation score and keeps the weights of the best epoch. With
        ``trainable_layers`` set, only the top layers and the head are trained.
        """
        config = config or IntentClassifierConfig()
        _check_training_data(texts, labels)
        label_names = sorted(set(labels))
        index = {name: i for i, name in enumerate(label_names)}
        label_ids = [index[label] for label in labels]

        with torch_threads(config.num_threads):
            torch.manual_seed(config.seed)
            tokenizer, encoder = _load_pretrained(resolve_pretrained(config.base_model))
            network = _IntentNetwork(encoder, len(label_names), config.dropout)
            classifier = cls(
                tokenizer,
                network,
                label_names,
                config,
                training_fingerprint(texts, labels),
            )
            train_ids, validation_ids = stratified_split(
                label_ids, config.validation_fraction, config.seed, always_train
            )
            if not validation_ids:
                logger.info(
                    "No intent has enough examples for a validation split: training all %d epochs",
                    config.epochs,
                )
            classifier._fit(
                [texts[i] for i in train_ids],
                [label_ids[i] for i in train_ids],
                [texts[i] for i in validation_ids],
                [label_ids[i] for i in validation_ids],
                progress,
            )
        return classifier

    def _optimizer(self) -> torch.optim.Optimizer:
        """AdamW without weight decay on biases and LayerNorm weights, faster head."""
        config = self.config
        decay: list[nn.Parameter] = []
        no_decay: list[nn.Parameter] = []
        for parameter in self._network.encoder.parameters():
            if parameter.requires_grad:
                (no_decay if parameter.ndim < 2 else decay).append(parameter)
        groups = [
            {
                "params": decay,
                "weight_decay": config.weight_decay,
                "lr": config.learning_rate,
            },
            {"params": no_decay, "weight_decay": 0.0, "lr": config.learning_rate},
            {
                "params": list(self._network.head.parameters()),
                "weight_decay": config.weight_decay,
                "lr": config.head_learning_rate,
            },
        ]
        return torch.optim.AdamW(groups)

    def _fit(
        self,
        texts: list[str],
        label_ids: list[int],
        validation_texts: list[str],
        validation_ids: list[int],
        progress: bool,
    ) -> None:
        """Train up to ``config.epochs`` epochs, then keep the best validated weights."""
        config = self.config
        train_source: _TrainingInputs = texts
        validation_source: _TrainingInputs = validation_texts
        if config.trainable_layers is not None:
            self._first_trainable = self._network.freeze_below(config.trainable_layers)
            train_source = self._frozen_states(texts, progress)
            validation_source = self._frozen_states(validation_texts, progress)
        try:
            self._fit_epochs(train_source, label_ids, validation_source, validation_ids, progress)
        finally:
            for parameter in self._network.parameters():
                parameter.requires_grad_(True)
        self._prepare_inference()

    def _frozen_states(self, texts: list[str], progress: bool) -> _FrozenStates:
        """Run the frozen lower layers once over ``texts`` (length-sorted batches, unpadded)."""
        states: list[torch.Tensor | None] = [None] * len(texts)
        by_length = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        starts = range(0, len(by_length), FROZEN_PASS_BATCH_SIZE)
        self._network.eval()
        with torch.no_grad():
            for start in tqdm(
                starts,
                desc="Encoding with the frozen layers",
                unit="batch",
                disable=not progress,
            ):
                batch = by_length[start : start + FROZEN_PASS_BATCH_SIZE]
                encoded = self._encode([texts[i] for i in batch])
                hidden = self._network.hidden_states_at(self._first_trainable, **encoded)
                lengths = encoded["attention_mask"].sum(dim=1).tolist()
                for row, (position, length) in enumerate(zip(batch, lengths, strict=True)):
                    states[position] = hidden[row, :length].clone()
        return _FrozenStates([state for state in states if state is not None])

    def _batch_logits(self, source: _TrainingInputs, positions: Sequence[int]) -> torch.Tensor:
        """Logits of the master network for the examples of ``source`` at ``positions``."""
        if isinstance(source, _FrozenStates):
            hidden, mask = source.batch(positions)
            return self._network.forward_from(self._first_trainable, hidden, mask)
        return self._network(**self._encode([source[i] for i in positions]))

    def _fit_epochs(
        self,
        texts: _TrainingInputs,
        label_ids: list[int],
        validation_texts: _TrainingInputs,
        validation_ids: list[int],
        progress: bool,
    ) -> None:
        config = self.config
        total_steps = math.ceil(len(texts) / config.batch_size) * config.epochs
        optimizer = self._optimizer()
        scheduler = get_linear_schedule_with_warmup(
            optimizer, round(config.warmup_ratio * total_steps), total_steps
        )
        order_generator = torch.Generator().manual_seed(config.seed)
        stopper = _EarlyStopping(config.patience)
        epochs = tqdm(
            range(1, config.epochs + 1),
            desc="Training intent classifier",
            unit="epoch",
            disable=not progress,
        )
        for epoch in epochs:
            order = torch.randperm(len(texts), generator=order_generator).tolist()
            train_loss = self._train_epoch(texts, label_ids, order, optimizer, scheduler)
            validation_loss, accuracy = (
                self._evaluate(validation_texts, validation_ids) if validation_ids else (None, None)
            )
            result = EpochResult(epoch, train_loss, validation_loss, accuracy)
            self.history.append(result)
            epochs.set_postfix(
                loss=f"{train_loss:.3f}",
                val_acc="-" if accuracy is None else f"{accuracy:.3f}",
            )
            if (
                validation_loss is not None
                and accuracy is not None
                and stopper.should_stop(accuracy, validation_loss, self._network)
            ):
                logger.info("Early stopping after epoch %d: no better validation score", epoch)
                break
        epochs.close()
        stopper.restore_best(self._network)
        if validation_ids:
            logits = self._held_out_logits(validation_texts)
            if config.calibrate_confidence:
                self.temperature = fit_temperature(logits, torch.tensor(validation_ids))
                logger.info("Confidence calibration: softmax temperature %.3f", self.temperature)
            probabilities = (logits / self.temperature).softmax(dim=-1)
            confidences, positions = probabilities.max(dim=-1)
            self.validation_predictions = [
                ValidationPrediction(self._labels[gold], self._labels[guess], confidence)
                for gold, guess, confidence in zip(
                    validation_ids,
                    positions.tolist(),
                    confidences.tolist(),
                    strict=True,
                )
            ]

    def _train_epoch(
        self,
        texts: _TrainingInputs,
        label_ids: list[int],
        order: list[int],
        optimizer: torch.optim.Optimizer,
        scheduler: torch.optim.lr_scheduler.LRScheduler,
    ) -> float:
        """One pass over the examples in ``order``; returns the mean training loss."""
        loss_fn = nn.CrossEntropyLoss(
            weight=class_weights(label_ids, len(self._labels))
            if self.config.balance_classes
            else None,
            label_smoothing=self.config.label_smoothing,
        )
        self._network.train()
        total_loss = 0.0
        for start in range(0, len(order), self.config.batch_size):
            batch = order[start : start + self.config.batch_size]
            logits = self._batch_logits(texts, batch)
            loss = loss_fn(logits, torch.tensor([label_ids[i] for i in batch]))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(
                [p for p in self._network.parameters() if p.requires_grad], max_norm=1.0
            )
            optimizer.step()
            scheduler.step()
            total_loss += loss.item() * len(batch)
        self._network.eval()
        return total_loss / len(order)

    def _held_out_logits(self, texts: _TrainingInputs) -> torch.Tensor:
        """Master-network logits for every held-out example, in order."""
        if not isinstance(texts, _FrozenStates):
            return self._logits(texts, self._network)
        size = self.config.batch_size
        with torch.inference_mode():
            return torch.cat(
                [
                    self._batch_logits(texts, range(start, min(start + size, len(texts))))
                    for start in range(0, len(texts), size)
                ]
            )

    def _evaluate(self, texts: _TrainingInputs, label_ids: list[int]) -> tuple[float, float]:
        """Mean cross-entropy (without smoothing) and accuracy on held-out examples."""
        logits = self._held_out_logits(texts)
        targets = torch.tensor(label_ids)
        loss = nn.functional.cross_entropy(logits, targets).item()
        accuracy = (logits.argmax(dim=-1) == targets).float().mean().item()
        return loss, accuracy

    # --------------------------------------------------------------- inference

    def _encode(self, texts: Sequence[str], tensors: str = "pt") -> dict[str, Any]:
        """Tokenize with dynamic padding, after cheaply clipping very long texts; ``tensors``
        is ``"pt"`` (PyTorch) or ``"np"`` (NumPy, for ONNX Runtime)."""
        clipped = [text[: self._max_chars] for text in texts]
        return dict(
            self._tokenizer(
                clipped,
                padding=True,
                truncation=True,
                max_length=self.config.max_length,
                return_tensors=tensors,
            )
        )

    def _onnx_model(self) -> _OnnxLogits:
        """The ONNX Runtime copy of the float32 network, exported now if it was not yet."""
        if self._onnx is None:
            self._onnx = _OnnxLogits(
                _export_onnx(self._network, self._encode(list(EXPORT_CHECK_TEXTS)))
            )
        return self._onnx

    def _int8_model(self) -> _OnnxLogits:
        """The int8 ONNX Runtime copy of the network, quantized now if it was not yet."""
        if self._onnx_int8 is None:
            self._onnx_int8 = _OnnxLogits(_quantized_onnx(self._onnx_model().graph))
        return self._onnx_int8

    def _logits(self, texts: Sequence[str], network: _IntentNetwork) -> torch.Tensor:
        """Float32 logits of ``network`` for ``texts``, ``config.batch_size`` texts at a time."""
        chunks = []
        with torch.inference_mode():
            for start in range(0, len(texts), self.config.batch_size):
                batch = self._encode(texts[start : start + self.config.batch_size])
                chunks.append(network(**batch).float())
        return torch.cat(chunks)

    def _onnx_logits(self, texts: Sequence[str]) -> torch.Tensor:
        """Logits from ONNX Runtime, ``config.batch_size`` texts at a time: from the int8 graph
        for ``INT8_RUNTIME_DTYPES``, except near ties (:meth:`_near_ties`), which the float32
        graph decides; from the float32 graph otherwise."""
        exact = self._onnx_model()
        quick = self._int8_model() if self._uses_int8 else None
        size = self.config.batch_size
        chunks = []
        for start in range(0, len(texts), size):
            encoded = self._encode(texts[start : start + size], tensors="np")
            if quick is None:
                chunks.append(exact(encoded))
                continue
            logits = quick(encoded)
            ties = self._near_ties(logits)
            if ties.any():
                rows = ties.numpy()
                logits[ties] = exact({name: encoded[name][rows] for name in encoded})
            chunks.append(logits)
        return torch.cat(chunks)

    def _near_ties(self, logits: torch.Tensor) -> torch.Tensor:
        """Rows whose top two confidences differ by less than ``config.recheck_margin``."""
        if logits.shape[-1] < 2:
            return torch.zeros(logits.shape[0], dtype=torch.bool)
        top = (logits / self.temperature).softmax(dim=-1).topk(2, dim=-1).values
        return (top[:, 0] - top[:, 1]) < self.config.recheck_margin

    def predict(self, text: str) -> list[IntentScore]:
        """Every intent with its softmax confidence for ``text``, most confident first."""
        return self.predict_batch([text])[0]

    def predict_batch(self, texts: Sequence[str]) -> list[list[IntentScore]]:
        """Rank the intents of each text; texts are batched ``config.batch_size`` at a time."""
        for text in texts:
            if not isinstance(text, str):
                raise TypeError(f"intent prediction needs text, got {type(text).__name__}")
        if not texts:
            return []
        logits = (
            self._onnx_logits(list(texts))
            if self._uses_onnx
            else self._logits(list(texts), self._inference_network)
        )
        probabilities = (logits / self.temperature).softmax(dim=-1)
        confidences, positions = probabilities.sort(dim=-1, descending=True, stable=True)
        return [
            [
                IntentScore(self._labels[p], c)
                for p, c in zip(row_positions, row_confidences, strict=True)
            ]
            for row_positions, row_confidences in zip(
                positions.tolist(), confidences.tolist(), strict=True
            )
        ]

    # ------------------------------------------------------------- persistence

    def save(self, directory: str | Path) -> None:
        """Replace ``directory`` atomically with weights (safetensors), their ONNX graphs
        (float32 and int8), tokenizer files, ``config.json`` (labels and training config) and
        the manifest."""
        built_from = {
            "base_model": self.config.base_model,
            "label_count": len(self._labels),
            "training_data": self.training_data,
        }
        with ARTEFACT.saving(directory, built_from) as staging:
            self._network.encoder.save_pretrained(staging / ENCODER_DIR, safe_serialization=True)
            self._tokenizer.save_pretrained(staging / TOKENIZER_DIR)
            head_state = {k: v.contiguous() for k, v in self._network.head.state_dict().items()}
            save_file(head_state, staging / HEAD_FILE)
            graph = (
                self._onnx.graph
                if self._onnx is not None
                else _export_onnx(self._network, self._encode(list(EXPORT_CHECK_TEXTS)))
            )
            (staging / ONNX_FILE).write_bytes(graph)
            int8_graph = (
                self._onnx_int8.graph if self._onnx_int8 is not None else _quantized_onnx(graph)
            )
            (staging / INT8_ONNX_FILE).write_bytes(int8_graph)
            metadata = {
                "labels": self._labels,
                "config": self.config.as_dict(),
                "temperature": self.temperature,
            }
            (staging / CONFIG_FILE).write_text(json.dumps(metadata, indent=2), encoding="utf-8")

    @classmethod
    def load(cls, directory: str | Path) -> IntentClassifier:
        """Read a classifier written by :meth:`save`; only files in ``directory`` are used.

        Raises :class:`IntentModelNotFoundError` when nothing was saved there,
        :class:`IncompatibleIntentModelError` for another format version or kind of artefact
        and :class:`CorruptIntentModelError`, naming the file, when a file is damaged.
        """
        directory = Path(directory)
        manifest = ARTEFACT.read_manifest(directory)
        config_path = directory / CONFIG_FILE
        try:
            metadata = json.loads(config_path.read_text(encoding="utf-8"))
            config = IntentClassifierConfig.from_mapping(metadata["config"])
            labels = [str(label) for label in metadata["labels"]]
            temperature = float(metadata.get("temperature", 1.0))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise CorruptIntentModelError(
                f"{config_path} is broken ({type(exc).__name__}: {exc}); {ARTEFACT.fix}"
            ) from exc
        if len(labels) != manifest.get("label_count"):
            raise CorruptIntentModelError(
                f"{config_path} lists {len(labels)} intents, the manifest of {directory} says "
                f"{manifest.get('label_count')}; {ARTEFACT.fix}"
            )
        try:
            tokenizer = AutoTokenizer.from_pretrained(
                directory / TOKENIZER_DIR, local_files_only=True
            )
            encoder = AutoModel.from_pretrained(directory / ENCODER_DIR, local_files_only=True)
            head_state = load_file(directory / HEAD_FILE)
            onnx_graph = (
                (directory / ONNX_FILE).read_bytes()
                if config.inference_dtype in ONNX_RUNTIME_DTYPES
                else None
            )
            # Models saved before the int8 graph was added get it derived from the float32 one.
            int8_path = directory / INT8_ONNX_FILE
            int8_graph = (
                int8_path.read_bytes()
                if config.inference_dtype in INT8_RUNTIME_DTYPES and int8_path.exists()
                else None
            )
        except (OSError, ValueError) as exc:
            raise CorruptIntentModelError(
                f"the intent classifier in {directory} is incomplete ({exc}); {ARTEFACT.fix}"
            ) from exc
        network = _IntentNetwork(encoder, len(labels), config.dropout)
        network.head.load_state_dict(head_state)
        try:
            return cls(
                tokenizer,
                network,
                labels,
                config,
                manifest.get("training_data"),
                temperature,
                onnx_graph,
                int8_graph,
            )
        except IntentConfigError as exc:
            raise CorruptIntentModelError(f"{config_path}: {exc}; {ARTEFACT.fix}") from exc
        except _ONNX_LOAD_ERRORS as exc:
            damaged = (
                INT8_ONNX_FILE
                if int8_graph is not None and onnx_graph is not None and _opens(onnx_graph)
                else ONNX_FILE
            )
            raise CorruptIntentModelError(
                f"{directory / damaged} is damaged ({exc}); {ARTEFACT.fix}"
            ) from exc


def training_fingerprint(texts: Sequence[str], labels: Sequence[str]) -> str:
    """SHA-256 of the training examples (text and intent, in order): what a model was built from."""
    payload = json.dumps(list(zip(texts, labels, strict=True)), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(payload.encode("utf-8")).hexdigest()
