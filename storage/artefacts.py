"""Saved models and indexes: one directory each, replaced in one step, described by a manifest.

Every artefact shopdesk saves (the product index, the knowledge index, the recommender and
the intent classifier) follows one contract:

* :meth:`ArtefactKind.saving` yields an empty staging directory next to the target; the
  artefact writes its files there, the manifest is written last, and the staging directory
  replaces the target by renames. A save that fails part-way leaves the previous version
  in place, loadable.
* ``manifest.json`` names the ``kind`` of artefact, its ``format_version`` and whatever
  identifies what it was built from (model name, data fingerprint, counts).
* :meth:`ArtefactKind.read_manifest` refuses, before any other file is read, a directory
  that holds nothing, another kind of artefact, another format version or a manifest of an
  older shopdesk, with an error naming the directory and the command that rebuilds it.

Kept in ``storage/`` because both ``retrieval/`` and ``models/`` save artefacts and may
import ``storage/``; the module itself needs only the standard library and
:mod:`storage.errors` (every artefact error is a ``ShopdeskError``).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, TypeVar

from storage.errors import ShopdeskError

MANIFEST_FILE = "manifest.json"
KIND = "kind"
FORMAT_VERSION = "format_version"

M = TypeVar("M")


class ArtefactError(ShopdeskError):
    """Base class of the errors about a saved artefact (index or model directory)."""


class ArtefactNotFoundError(ArtefactError, FileNotFoundError):
    """Nothing has been saved in the directory."""


class IncompatibleArtefactError(ArtefactError):
    """The directory holds another kind of artefact, another format version, or one built
    with other settings (e.g. another embedding model) than this shopdesk uses."""


class CorruptArtefactError(ArtefactError):
    """The artefact's files are unreadable, missing or disagree with each other."""


@contextmanager
def atomic_directory(target: str | Path) -> Iterator[Path]:
    """Yield an empty staging directory; on success it replaces ``target`` by renames.

    On an error the staging directory is removed and ``target`` is left as it was.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        yield staging
        if target.exists():
            retired = target.parent / f".{target.name}.old-{uuid.uuid4().hex}"
            target.rename(retired)
            staging.rename(target)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def manifest_from_dict(manifest_type: type[M], data: Mapping[str, Any]) -> M:
    """A manifest dataclass from a dictionary; unknown keys are ignored, missing ones fail."""
    names = {field.name for field in fields(manifest_type)}  # type: ignore[arg-type]
    return manifest_type(**{name: value for name, value in data.items() if name in names})


@dataclass(frozen=True)
class ArtefactKind:
    """One kind of saved artefact: its manifest ``name``, format version and error types.

    ``label`` names it in messages ("product index"); ``fix`` says how to rebuild it
    ("rebuild it with `shopdesk index build --rebuild`"). The error types are the
    artefact's own subclasses of the errors above, so its callers can catch either.
    """

    name: str
    label: str
    format_version: int
    fix: str
    not_found: type[ArtefactNotFoundError] = ArtefactNotFoundError
    incompatible: type[IncompatibleArtefactError] = IncompatibleArtefactError
    corrupt: type[CorruptArtefactError] = CorruptArtefactError

    @contextmanager
    def saving(self, target: str | Path, built_from: Mapping[str, Any]) -> Iterator[Path]:
        """Yield a staging directory for the artefact's files; then write the manifest
        (``built_from`` plus kind and format version) and move the directory into place."""
        with atomic_directory(target) as staging:
            yield staging
            manifest = {KIND: self.name, FORMAT_VERSION: self.format_version}
            manifest.update((k, v) for k, v in built_from.items() if k not in manifest)
            (staging / MANIFEST_FILE).write_text(
                json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
            )

    def read_manifest(self, directory: str | Path) -> dict[str, Any]:
        """The manifest saved in ``directory``, after checking its kind and format version."""
        directory = Path(directory)
        path = directory / MANIFEST_FILE
        if not path.is_file():
            if directory.is_dir() and any(directory.iterdir()):
                raise self.incompatible(
                    f"{directory} holds no {MANIFEST_FILE}: it is not a {self.label}, or one "
                    f"saved by an older shopdesk; {self.fix}."
                )
            raise self.not_found(f"No {self.label} in {directory}; {self.fix}.")
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise self.corrupt(
                f"{path} cannot be read ({type(exc).__name__}: {exc}); {self.fix}."
            ) from exc
        if not isinstance(manifest, dict):
            raise self.corrupt(f"{path} is not a {self.label} manifest; {self.fix}.")
        kind, version = manifest.get(KIND), manifest.get(FORMAT_VERSION)
        if kind is None:
            raise self.incompatible(
                f"The {self.label} in {directory} was saved by an older shopdesk (its manifest "
                f"names no kind; format version {version}); {self.fix}."
            )
        if kind != self.name:
            raise self.incompatible(
                f"{directory} holds a {kind!r} artefact, not a {self.label}; check the "
                f"directory setting, or {self.fix}."
            )
        if version != self.format_version:
            newer = isinstance(version, int) and version > self.format_version
            raise self.incompatible(
                f"The {self.label} in {directory} has format version {version!r}"
                f"{' (saved by a newer shopdesk)' if newer else ''}; this shopdesk reads "
                f"version {self.format_version}; {self.fix}."
            )
        return manifest

    def unreadable(self, directory: str | Path, exc: BaseException) -> CorruptArtefactError:
        """The ``corrupt`` error for an artefact whose files in ``directory`` cannot be read."""
        return self.corrupt(
            f"The {self.label} in {Path(directory)} cannot be read ({type(exc).__name__}: {exc}); "
            f"{self.fix}."
        )

    def disagreeing(self, directory: str | Path, details: str) -> CorruptArtefactError:
        """The ``corrupt`` error for files that disagree with the manifest; ``details`` says
        how (the counts found and the ones the manifest names)."""
        return self.corrupt(
            f"The files of the {self.label} in {Path(directory)} disagree with its manifest "
            f"({details}); {self.fix}."
        )

    def read_typed_manifest(self, directory: str | Path, manifest_type: type[M]) -> M:
        """:meth:`read_manifest` as the dataclass ``manifest_type`` (missing fields: corrupt)."""
        data = self.read_manifest(directory)
        try:
            return manifest_from_dict(manifest_type, data)
        except TypeError as exc:
            raise self.corrupt(
                f"{Path(directory) / MANIFEST_FILE} is not a valid {self.label} manifest "
                f"({exc}); {self.fix}."
            ) from exc
