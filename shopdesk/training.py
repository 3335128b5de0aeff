"""Training the Rasa model: lookup tables from the catalog, then ``rasa train``."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from sqlalchemy import inspect, select

from shopdesk.lookups import catalog_lookup_tables, write_lookup_file
from shopdesk.settings import BOT_DIR, NLU_DATA_DIR, Settings
from storage.db import create_engine_for, masked_url, session_factory
from storage.errors import ShopdeskError
from storage.schema import Product

NLU_TRAIN_DIR = NLU_DATA_DIR / "train"


class TrainingFailed(ShopdeskError, RuntimeError):
    """``rasa train`` did not produce a model."""


class CatalogMissing(ShopdeskError):
    """The shop database has no products to build the entity lookup tables from."""


@dataclass(frozen=True)
class TrainingInputs:
    """The files one ``rasa train`` run reads."""

    config: Path
    domain: Path
    data: tuple[Path, ...]


def default_inputs(settings: Settings, config: Path | None = None) -> TrainingInputs:
    """The shop bot's config, domain, NLU data, stories and generated lookup tables (last).

    The console's reviewed examples are read from the NLU directory, or on their own when
    ``SHOPDESK_REVIEWED_EXAMPLES`` (an installed shop's default) puts them elsewhere.
    """
    lookups = settings.data_dir / "generated" / "lookups.yml"
    reviewed = settings.reviewed_examples
    elsewhere = reviewed.exists() and not reviewed.resolve().is_relative_to(NLU_TRAIN_DIR.resolve())
    return TrainingInputs(
        config=config or BOT_DIR / "config.yml",
        domain=BOT_DIR / "domain",
        data=(NLU_TRAIN_DIR, BOT_DIR / "data", *([reviewed] if elsewhere else []), lookups),
    )


def rasa_data_arguments(inputs: TrainingInputs) -> list[str]:
    """The ``--config``, ``--domain`` and ``--data`` arguments of a ``rasa`` command."""
    return [
        "--config",
        str(inputs.config),
        "--domain",
        str(inputs.domain),
        "--data",
        *[str(p) for p in inputs.data],
    ]


def refresh_lookup_tables(settings: Settings, path: Path) -> Path:
    """Regenerate the brand, colour and category lookup tables from the shop database.

    Raises :class:`CatalogMissing` when it has no products yet (a new install trained before
    the catalog was imported): the bot would not know the shop's brands and categories.
    """
    engine = create_engine_for(settings.database_url)
    try:
        stocked = inspect(engine).has_table(Product.__tablename__)
        with session_factory(engine)() as session:
            if stocked:
                stocked = session.execute(select(Product.id).limit(1)).first() is not None
            if not stocked:
                raise CatalogMissing(
                    f"the shop database ({masked_url(settings.database_url)}) has no products yet, "
                    "so there is nothing to learn the shop's brands and categories from. Import "
                    "the catalog first (shopdesk db upgrade, then shopdesk catalog import FILE; "
                    "or shopdesk demo seed for the demo shop), then train again."
                )
            return write_lookup_file(catalog_lookup_tables(session), path)
    finally:
        engine.dispose()


def train_log(settings: Settings) -> Path:
    """The file ``rasa train`` writes its output to (warnings included), not the screen."""
    return settings.data_dir / "logs" / "train.log"


def _tail(path: Path, lines: int = 25) -> str:
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def latest_model(model_dir: Path) -> Path | None:
    """The newest model archive in ``model_dir``, if any."""
    archives = sorted(model_dir.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return archives[-1] if archives else None


def train_bot(
    settings: Settings,
    *,
    config: Path | None = None,
    output: Path | None = None,
    force: bool = False,
) -> Path:
    """Train the bot unless nothing changed since the last model; return the model archive.

    Rasa fingerprints the config, domain and data and skips training when the newest model
    in ``output`` was trained on the same inputs, so calling this on every start is cheap.
    """
    inputs = default_inputs(settings, config)
    refresh_lookup_tables(settings, inputs.data[-1])
    output = output or settings.rasa_model_dir
    output.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "rasa",
        "train",
        *rasa_data_arguments(inputs),
        "--out",
        str(output),
    ]
    if force:
        command.append("--force")
    log = train_log(settings)
    log.parent.mkdir(parents=True, exist_ok=True)
    with (
        log.open("a", encoding="utf-8") as handle,
        Console(stderr=True).status("Training the bot") as status,
    ):
        process = subprocess.Popen(
            command, cwd=settings.process_dir, stdout=handle, stderr=subprocess.STDOUT
        )
        started = time.monotonic()
        while True:
            # Rasa's own output goes to the log; the screen shows that work goes on.
            status.update(
                f"Training the bot: {time.monotonic() - started:.0f} s (Rasa's output: {log})"
            )
            try:
                returncode = process.wait(timeout=1)
                break
            except subprocess.TimeoutExpired:
                continue
    model = latest_model(output)
    if returncode != 0 or model is None:
        raise TrainingFailed(
            f"'rasa train' failed with exit code {returncode}. The end of its log "
            f"({log}):\n{_tail(log)}\n"
            "Fix the training data or config and run 'shopdesk train' again."
        )
    return model
