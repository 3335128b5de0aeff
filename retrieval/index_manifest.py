"""Reading and checking the ``manifest.json`` of a saved index (product or knowledge index).

Both indexes save a manifest naming the embedding model, its dimension and the format version
next to their files; loading reads it first and refuses an index built differently. The two
indexes differ in their manifest fields, error types and the fix they suggest, which are
parameters here.
"""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path
from typing import Any, Protocol, TypeVar

MANIFEST_FILE = "manifest.json"


class SavedIndexManifest(Protocol):
    """The fields every index manifest has."""

    format_version: int
    model_name: str
    dimension: int


class _Encoder(Protocol):
    model_name: str
    dimension: int


M = TypeVar("M", bound=SavedIndexManifest)


def manifest_from_dict(manifest_type: type[M], data: dict[str, Any]) -> M:
    """A manifest dataclass from a dictionary; unknown keys are ignored, missing ones fail."""
    names = {field.name for field in fields(manifest_type)}  # type: ignore[arg-type]
    return manifest_type(**{name: value for name, value in data.items() if name in names})


def read_manifest_file(
    directory: str | Path,
    manifest_type: type[M],
    *,
    what: str,
    fix: str,
    not_found: type[Exception],
    corrupt: type[Exception],
) -> M:
    """The manifest in ``directory``: ``not_found`` when there is none, ``corrupt`` when unreadable.

    ``what`` names the index in messages ("product index"), ``fix`` says what to do.
    """
    path = Path(directory) / MANIFEST_FILE
    if not path.is_file():
        raise not_found(f"No {what} in {Path(directory)} (no {MANIFEST_FILE}); {fix}.")
    try:
        return manifest_from_dict(manifest_type, json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, TypeError) as exc:
        raise corrupt(f"{path} is not a valid {what} manifest ({exc}); {fix}.") from exc


def check_compatible(
    manifest: SavedIndexManifest,
    directory: str | Path,
    encoder: _Encoder,
    format_version: int,
    *,
    what: str,
    fix: str,
    stale: type[Exception],
) -> None:
    """Raise ``stale`` when the saved index has another format version, model or dimension."""
    if manifest.format_version != format_version:
        raise stale(
            f"The {what} in {Path(directory)} has format version {manifest.format_version}, "
            f"this shopdesk reads version {format_version}; {fix}."
        )
    if manifest.model_name != encoder.model_name or manifest.dimension != encoder.dimension:
        raise stale(
            f"The {what} in {Path(directory)} was built with the embedding model "
            f"{manifest.model_name!r} (dimension {manifest.dimension}), but the configured "
            f"model is {encoder.model_name!r} (dimension {encoder.dimension}); {fix}."
        )
