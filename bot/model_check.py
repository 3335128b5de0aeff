"""Checks a trained Rasa model file before a server loads it (no Rasa import: cheap to call).

``rasa run`` with a missing model starts a server that ignores every message; with a damaged
archive it logs a long traceback. Both ``shopdesk run`` (``shopdesk/serve.py``) and
``python -m bot.rasa_main run`` call :func:`model_problem` first and stop with its sentence.
"""

from __future__ import annotations

import tarfile
import zlib
from pathlib import Path

#: What a Rasa 3 model archive always holds.
MODEL_METADATA = "metadata.json"
RETRAIN = "Train a new one with `shopdesk train --force` (or `make demo`), then start again."


def newest_model(directory: Path) -> Path | None:
    """The newest ``*.tar.gz`` in ``directory`` (Rasa's choice when given a directory)."""
    models = sorted(directory.glob("*.tar.gz"), key=lambda path: path.stat().st_mtime)
    return models[-1] if models else None


def model_problem(path: Path) -> str | None:
    """What is wrong with the model at ``path`` (file or directory of models), or None."""
    if path.is_dir():
        found = newest_model(path)
        if found is None:
            return f"There is no trained model (*.tar.gz) in {path}. {RETRAIN}"
        path = found
    if not path.exists():
        return f"The model file {path} does not exist. {RETRAIN}"
    try:
        # Reading every member header walks the whole archive, so a truncated file shows here.
        with tarfile.open(path, "r:gz") as archive:
            names = archive.getnames()
    except (tarfile.TarError, OSError, EOFError, zlib.error) as error:
        return f"The model file {path} is damaged or not a Rasa model ({error}). {RETRAIN}"
    if not any(Path(name).name == MODEL_METADATA for name in names):
        return f"The file {path} is not a Rasa model (it has no {MODEL_METADATA}). {RETRAIN}"
    return None


def model_argument(argv: list[str]) -> Path:
    """The model ``rasa run`` arguments name (``--model``/``-m``; default ``models``)."""
    for index, argument in enumerate(argv):
        if argument in ("--model", "-m") and index + 1 < len(argv):
            return Path(argv[index + 1])
        if argument.startswith("--model="):
            return Path(argument.split("=", 1)[1])
    return Path("models")
