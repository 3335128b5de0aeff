"""The messaging channels on a real Sanic server, and a fake of each platform's API.

The server (tests/helpers/messaging_server.py) runs in its own process with a scripted bot
that answers through the channels' real output channels; they render and send to
:class:`FakePlatforms`, a loopback HTTP server in this process that answers like the
platforms' APIs and records every call (and every message that reached the bot). The whole
bot behind a channel is tested in tests/e2e.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.helpers.fake_platforms import (
    SECRETS,
    FakePlatforms,
    Received,
    fake_platforms,
    free_port,
)

PROJECT_ROOT = Path(__file__).resolve().parents[3]


@dataclass
class MessagingServer:
    """The running server's URL, the fake platforms and what reached the bot."""

    url: str
    platforms: FakePlatforms
    log: Path

    @property
    def received(self) -> list[Received]:
        return self.platforms.received


@pytest.fixture(scope="session")
def messaging_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MessagingServer]:
    """The channels' server process and the fake platform API."""
    with fake_platforms() as platforms:
        yield from _serve_channels(platforms, tmp_path_factory)


def _serve_channels(
    platforms: FakePlatforms, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MessagingServer]:
    api, port = platforms.url, free_port()
    data_dir = tmp_path_factory.mktemp("messaging-data")
    env = {
        **os.environ,
        **SECRETS,
        "SHOPDESK_DATA_DIR": str(data_dir),
        "SHOPDESK_TELEGRAM_API_URL": api,
        "SHOPDESK_TWILIO_API_URL": api,
        "SHOPDESK_MESSENGER_API_URL": api,
        "SHOPDESK_SLACK_API_URL": api,
        "SHOPDESK_MAX_MESSAGE_CHARS": "500",
        "SHOPDESK_PUBLIC_URL": "",
    }
    log = open(data_dir / "server.log", "wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.helpers.messaging_server",
            "--port",
            str(port),
            "--record",
            api,
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        assert process.poll() is None, (data_dir / "server.log").read_text()[-3000:]
        assert time.monotonic() < deadline, "the messaging server did not start"
        try:
            if httpx.get(f"{url}/webhooks/telegram/", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    try:
        yield MessagingServer(url, platforms, data_dir / "server.log")
    finally:
        process.terminate()
        process.wait(20)
        log.close()


@pytest.fixture
def server(messaging_server: MessagingServer) -> MessagingServer:
    """The shared server with nothing received or sent yet."""
    messaging_server.received.clear()
    messaging_server.platforms.calls.clear()
    return messaging_server
