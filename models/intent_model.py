"""The contract every shopdesk intent model fulfils, and the errors it raises.

Kept apart from the BERT implementation so that callers (the Rasa component, evaluation
scripts) can depend on the contract without importing PyTorch.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from storage.artefacts import (
    ArtefactNotFoundError,
    CorruptArtefactError,
    IncompatibleArtefactError,
)
from storage.errors import ShopdeskError

IntentModelT = TypeVar("IntentModelT", bound="IntentModel")


class IntentModelError(ShopdeskError):
    """Base class of the errors raised by intent models."""


class IntentConfigError(IntentModelError, ValueError):
    """A training configuration value is out of range or of the wrong type."""


class IntentTrainingDataError(IntentModelError, ValueError):
    """The training examples cannot train a classifier (empty, mismatched, one intent only)."""


class IntentModelLoadError(IntentModelError):
    """A saved intent model is missing files or was written in an unknown format."""


class IntentModelNotFoundError(IntentModelLoadError, ArtefactNotFoundError):
    """Nothing was saved in the directory."""


class IncompatibleIntentModelError(IntentModelLoadError, IncompatibleArtefactError):
    """The directory holds an intent model of another format version, or something else."""


class CorruptIntentModelError(IntentModelLoadError, CorruptArtefactError):
    """A saved intent model whose files are unreadable, incomplete or inconsistent."""


@dataclass(frozen=True)
class IntentScore:
    """One intent and the model's confidence in it (0..1; a ranking sums to 1)."""

    intent: str
    confidence: float


class IntentModel(ABC):
    """An intent classifier that can be trained, queried, saved and loaded again."""

    @classmethod
    @abstractmethod
    def train(
        cls: type[IntentModelT],
        texts: Sequence[str],
        labels: Sequence[str],
        config: Any,
        progress: bool = True,
    ) -> IntentModelT:
        """Train a new model on ``texts`` labelled with ``labels``."""

    @property
    @abstractmethod
    def labels(self) -> list[str]:
        """The intents this model can predict."""

    @abstractmethod
    def predict(self, text: str) -> list[IntentScore]:
        """Score every known intent for ``text``, most confident first."""

    def predict_batch(self, texts: Sequence[str]) -> list[list[IntentScore]]:
        """Score many texts; implementations override this to batch the work."""
        return [self.predict(text) for text in texts]

    @abstractmethod
    def save(self, directory: str | Path) -> None:
        """Write everything :meth:`load` needs into ``directory``."""

    @classmethod
    @abstractmethod
    def load(cls: type[IntentModelT], directory: str | Path) -> IntentModelT:
        """Read a model written by :meth:`save`, without network access."""
