"""The messaging channels on a real Sanic server, and a fake of each platform's API.

The server (tests/helpers/messaging_server.py) runs in its own process with a scripted bot
that answers through the channels' real output channels; they render and send to
:class:`FakePlatforms`, a loopback HTTP server in this process that answers like the
platforms' APIs and records every call (and every message that reached the bot). The whole
bot behind a channel is tested in tests/e2e.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.helpers.fake_platforms import fake_platforms
from tests.helpers.messaging_server import MessagingServer, serve_channels


@pytest.fixture(scope="session")
def messaging_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MessagingServer]:
    """The channels' server process and the fake platform API."""
    with fake_platforms() as platforms:
        with serve_channels(platforms, tmp_path_factory.mktemp("messaging-data")) as server:
            yield server


@pytest.fixture
def server(messaging_server: MessagingServer) -> MessagingServer:
    """The shared server with nothing received or sent yet."""
    messaging_server.received.clear()
    messaging_server.platforms.calls.clear()
    return messaging_server
