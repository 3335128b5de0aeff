"""The generated API token is printed on the start that creates it, and never again."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

from shopdesk import cli
from shopdesk.secrets import api_token
from shopdesk.serve import RunningBot
from shopdesk.settings import get_settings


def exited() -> subprocess.Popen:
    """A process that has already ended (so ``shopdesk run``'s wait loop ends at once)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process


@pytest.fixture
def servers(tmp_path, monkeypatch):
    """``start_bot`` and ``start_storefront`` replaced: they create the token as the real ones
    do, and start nothing."""
    monkeypatch.setenv("SHOPDESK_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("SHOPDESK_API_TOKEN", raising=False)

    def start_bot(settings, model, **_):
        return RunningBot(exited(), exited(), api_token(settings))

    monkeypatch.setattr("shopdesk.serve.start_bot", start_bot)
    monkeypatch.setattr("shopdesk.serve.start_storefront", lambda settings, **_: exited())
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    yield tmp_path
    for sig, handler in handlers.items():  # ``shopdesk run`` installs its own
        signal.signal(sig, handler)


def test_the_token_is_shown_once_then_only_its_file(servers, capsys):
    cli._serve(get_settings(), servers / "model.tar.gz")
    first = capsys.readouterr().out
    token = (servers / "api-token").read_text().strip()

    cli._serve(get_settings(), servers / "model.tar.gz")
    second = capsys.readouterr().out

    assert token in first.replace("\n", "")
    assert token not in second.replace("\n", "")
    assert str(servers / "api-token") in second.replace("\n", "")
    assert oct((servers / "api-token").stat().st_mode & 0o777) == "0o600"


def test_a_configured_token_is_never_printed(servers, monkeypatch, capsys):
    monkeypatch.setenv("SHOPDESK_API_TOKEN", "operator-chosen-token")

    cli._serve(get_settings(), servers / "model.tar.gz")

    output = capsys.readouterr().out.replace("\n", "")
    assert "operator-chosen-token" not in output and "SHOPDESK_API_TOKEN" in output
