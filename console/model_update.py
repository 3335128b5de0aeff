"""Retrain with the reviewed examples, compare old and new model on ``nlu_data/test``, and
load the new model into the running Rasa server only when staff choose to (``PUT /model``).

One update runs at a time, in a background thread of the console process; the page polls
:meth:`ModelUpdates.current`.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from console.rasa_client import RasaClient
from shopdesk.settings import PROJECT_ROOT, Settings

EVALUATION_TIMEOUT = 900


@dataclass(frozen=True)
class Evaluation:
    """A model's predictions on the test set."""

    predictions: dict[str, tuple[str, str | None]]

    @property
    def accuracy(self) -> float:
        """Share of test examples whose intent the model got right."""
        if not self.predictions:
            return 0.0
        right = sum(1 for expected, got in self.predictions.values() if expected == got)
        return right / len(self.predictions)


@dataclass(frozen=True)
class Change:
    """A test example the two models classify differently."""

    text: str
    expected: str
    before: str | None
    after: str | None

    @property
    def fixed(self) -> bool:
        return self.after == self.expected

    @property
    def broken(self) -> bool:
        """The served model got it right; the retrained one gets it wrong."""
        return self.before == self.expected and not self.fixed


def changes(before: Evaluation, after: Evaluation) -> list[Change]:
    """Test examples whose prediction changed, broken ones first."""
    found = [
        Change(text, expected, old, after.predictions.get(text, (expected, None))[1])
        for text, (expected, old) in before.predictions.items()
        if after.predictions.get(text, (expected, old))[1] != old
    ]
    return sorted(found, key=lambda change: (change.fixed, change.text))


def evaluate(model: Path, test_data: Path) -> Evaluation:
    """Run :mod:`bot.evaluate` on ``model`` in a child process."""
    completed = subprocess.run(
        [sys.executable, "-m", "bot.evaluate", str(model), str(test_data)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=EVALUATION_TIMEOUT,
    )
    if completed.returncode != 0:
        tail = completed.stderr.strip().splitlines()[-5:]
        raise RuntimeError(f"Evaluating {model.name} failed: {' / '.join(tail)}")
    rows = json.loads(completed.stdout.strip().splitlines()[-1])["predictions"]
    return Evaluation({text: (expected, got) for text, expected, got in rows})


@dataclass
class ModelUpdate:
    """The state of one retrain-and-compare run."""

    #: training, evaluating, ready, unchanged, loaded or failed
    status: str = "training"
    served: Path | None = None
    trained: Path | None = None
    before: Evaluation | None = None
    after: Evaluation | None = None
    changed: list[Change] = field(default_factory=list)
    error: str = ""


class ModelUpdates:
    """Runs retrain-and-compare in the background, one at a time."""

    def __init__(self, settings: Settings, rasa: RasaClient, train, test_data: Path) -> None:
        self.settings = settings
        self.rasa = rasa
        self.train = train
        self.test_data = test_data
        self._lock = threading.Lock()
        self._current: ModelUpdate | None = None

    def current(self) -> ModelUpdate | None:
        """The latest run (None before the first)."""
        return self._current

    def start(self) -> ModelUpdate:
        """Start retraining, unless a run is in progress (then that one is returned)."""
        with self._lock:
            if self._current and self._current.status in ("training", "evaluating"):
                return self._current
            self._current = ModelUpdate()
            threading.Thread(target=self._run, args=(self._current,), daemon=True).start()
            return self._current

    def _served_model(self) -> Path:
        name = self.rasa.status().get("model_file")
        if not name:
            raise RuntimeError("The Rasa server has no model loaded.")
        path = Path(name)
        return path if path.is_absolute() else self.settings.rasa_model_dir / path.name

    def _run(self, update: ModelUpdate) -> None:
        try:
            update.served = self._served_model()
            update.trained = Path(self.train(self.settings))
            if update.trained.resolve() == update.served.resolve():
                update.status = "unchanged"
                return
            update.status = "evaluating"
            update.before = evaluate(update.served, self.test_data)
            update.after = evaluate(update.trained, self.test_data)
            update.changed = changes(update.before, update.after)
            update.status = "ready"
        except Exception as error:  # shown to staff on the page; the served model stays
            update.error = str(error) or type(error).__name__
            update.status = "failed"

    def load(self) -> ModelUpdate:
        """Load the compared model into the Rasa server."""
        update = self._current
        if update is None or update.status != "ready" or update.trained is None:
            raise ValueError("Retrain and compare first; there is no new model to load.")
        self.rasa.load_model(str(update.trained))
        update.status = "loaded"
        return update
