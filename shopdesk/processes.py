"""``shopdesk serve PROCESS``: one server process in the foreground, as a container runs it.

``shopdesk run`` starts every server of a one-machine shop as its children. In a container
(deploy/, docs/deploy.md) each process is its own container from one image and the command picks
it: ``rasa``, ``actions``, ``console``, ``storefront``, or ``migrate`` (the one-off job that
migrates the database, seeds the demo store when asked, builds the indexes and trains the
model). The server replaces the ``shopdesk`` process (``exec``), so it receives the container's
signals directly. Everything else comes from the ``SHOPDESK_*`` settings, as for ``shopdesk run``.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

from shopdesk.settings import Settings

logger = logging.getLogger(__name__)

#: What ``shopdesk serve`` can start.
PROCESSES = ("rasa", "actions", "console", "storefront", "migrate")
#: Each server's liveness and readiness paths (deploy/ points its probes at them; the tests
#: check both that the deployment files use them and that the servers answer them).
PROBES = {
    "rasa": ("/healthz", "/readyz"),
    "actions": ("/health", "/readyz"),
    "console": ("/healthz", "/readyz"),
    "storefront": ("/healthz", "/readyz"),
}
#: The servers that expose Prometheus metrics on ``/metrics``.
METRICS = ("rasa", "actions")
#: Seconds between two looks for the model the migration job trains.
MODEL_POLL_SECONDS = 5.0


def wait_for_model(settings: Settings, poll: float = MODEL_POLL_SECONDS) -> Path:
    """The newest trained model, waiting (and saying so every minute) until there is one."""
    from shopdesk.training import latest_model

    waited = 0.0
    while (model := latest_model(settings.rasa_model_dir)) is None:
        if waited % 60 == 0:
            print(
                f"No trained model in {settings.rasa_model_dir} yet; waiting for the migration "
                "job (shopdesk serve migrate) to train one.",
                file=sys.stderr,
                flush=True,
            )
        time.sleep(poll)
        waited += poll
    return model


def server_command(name: str, settings: Settings, host: str) -> tuple[list[str], dict[str, str]]:
    """The command line and environment of server process ``name``."""
    from shopdesk.secrets import action_token, api_token
    from shopdesk.serve import fresh_metrics_dir, rasa_command, write_endpoints

    env = {**os.environ, "SHOPDESK_DATA_DIR": str(settings.data_dir)}
    python = sys.executable
    if name == "rasa":
        model = wait_for_model(settings)
        endpoints = write_endpoints(settings, settings.data_dir / "endpoints.yml")
        env.update(
            SHOPDESK_API_TOKEN=api_token(settings),
            SHOPDESK_ACTION_TOKEN=action_token(settings),
            SANIC_WORKERS=str(settings.rasa_workers),
        )
        if settings.rasa_workers > 1:
            env["PROMETHEUS_MULTIPROC_DIR"] = str(fresh_metrics_dir(settings))
        # The verification key is the action server's alone.
        env.pop("SHOPDESK_VERIFICATION_KEY", None)
        return rasa_command(settings, model, endpoints), env
    if name == "actions":
        env["SANIC_WORKERS"] = "1"
        return [python, "-m", "actions.server", "--port", str(settings.action_port)], env
    if name == "console":
        return [python, "-m", "console"], env
    if name == "storefront":
        return [python, "-m", "web", "--host", host, "--port", str(settings.storefront_port)], env
    raise ValueError(f"unknown process {name!r}; one of {', '.join(PROCESSES)}")


def migrate(settings: Settings, demo: bool) -> Path:
    """Migrate the database, seed the demo store if asked, build the indexes, train the model."""
    from shopdesk.operations import prepare_database, refresh_index, seed_demo
    from shopdesk.training import train_bot

    prepare_database(settings)
    if demo:
        seed_demo(settings)
    refresh_index(settings)
    return train_bot(settings)


def serve(name: str, settings: Settings, *, host: str = "0.0.0.0", demo: bool = False) -> int:
    """Run process ``name`` in the foreground (``migrate`` returns when done)."""
    if name == "migrate":
        model = migrate(settings, demo)
        print(f"Database migrated, indexes built, model ready: {model}", flush=True)
        return 0
    command, env = server_command(name, settings, host)
    os.chdir(settings.process_dir)
    os.execve(command[0], command, env)
