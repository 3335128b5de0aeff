"""``shopdesk serve PROCESS``, the containers' command: the process it execs answers its probes
and stops on the container's stop signal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from shopdesk.processes import PROBES, server_command
from shopdesk.settings import PROJECT_ROOT, Settings
from tests.helpers.live_shop import free_port


def status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as reply:
            return reply.status
    except urllib.error.HTTPError as error:
        return error.code
    except (urllib.error.URLError, OSError):
        return None


@pytest.mark.parametrize("process", ["storefront", "console"])
def test_serve_runs_the_process_which_answers_its_probes_and_stops_on_sigterm(
    process: str, tmp_path: Path
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "SHOPDESK_DATA_DIR": str(tmp_path),
        "SHOPDESK_STOREFRONT_PORT": str(port),
        "SHOPDESK_CONSOLE_PORT": str(port),
        "SHOPDESK_LOG_FORMAT": "json",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "shopdesk.cli", "serve", process, "--host", "127.0.0.1"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        live, ready = PROBES[process]
        deadline = time.monotonic() + 60
        while status(f"http://127.0.0.1:{port}{live}") != 200:
            assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
            assert time.monotonic() < deadline, f"{process} did not answer {live}"
            time.sleep(0.3)
        assert status(f"http://127.0.0.1:{port}{ready}") == 200
        server.send_signal(signal.SIGTERM)
        # uvicorn shuts down, then re-raises the signal it caught: -SIGTERM is a clean stop.
        assert server.wait(timeout=20) in (0, -signal.SIGTERM)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def test_the_rasa_process_gets_its_tokens_but_not_the_verification_key(
    tmp_path: Path, monkeypatch
) -> None:
    models = tmp_path / "rasa-models"
    models.mkdir()
    (models / "20261130-120000-model.tar.gz").write_bytes(b"model")
    monkeypatch.setenv("SHOPDESK_VERIFICATION_KEY", "kept-by-the-action-server")
    monkeypatch.setenv("SHOPDESK_API_TOKEN", "api")
    monkeypatch.setenv("SHOPDESK_ACTION_TOKEN", "action")
    settings = Settings(data_dir=tmp_path, rasa_workers=2, lock_store_url="redis://r:6379/1")
    command, env = server_command("rasa", settings, "0.0.0.0")
    assert command[1:4] == ["-m", "bot.rasa_main", "run"]
    assert command[command.index("--model") + 1] == str(models / "20261130-120000-model.tar.gz")
    assert (env["SHOPDESK_API_TOKEN"], env["SHOPDESK_ACTION_TOKEN"]) == ("api", "action")
    assert "SHOPDESK_VERIFICATION_KEY" not in env
    assert "api" not in command and "action" not in command, "no token on the command line"
    assert env["SANIC_WORKERS"] == "2"
    assert Path(env["PROMETHEUS_MULTIPROC_DIR"]).is_dir()
