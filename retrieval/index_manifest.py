"""The check both saved indexes (product and knowledge) make against the configured encoder.

Their manifests name the embedding model and its dimension (the rest of the manifest
contract is :mod:`storage.artefacts`); an index built with another model is refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from storage.artefacts import ArtefactKind


class EmbeddedIndexManifest(Protocol):
    """The manifest fields of an index of embeddings (read-only, as in a frozen dataclass)."""

    @property
    def model_name(self) -> str: ...

    @property
    def dimension(self) -> int: ...


class _Encoder(Protocol):
    model_name: str
    dimension: int


def check_encoder(
    manifest: EmbeddedIndexManifest, directory: str | Path, encoder: _Encoder, kind: ArtefactKind
) -> None:
    """Raise ``kind.incompatible`` when the saved index used another model or dimension."""
    if manifest.model_name != encoder.model_name or manifest.dimension != encoder.dimension:
        raise kind.incompatible(
            f"The {kind.label} in {Path(directory)} was built with the embedding model "
            f"{manifest.model_name!r} (dimension {manifest.dimension}), but the configured "
            f"model is {encoder.model_name!r} (dimension {encoder.dimension}); {kind.fix}."
        )
