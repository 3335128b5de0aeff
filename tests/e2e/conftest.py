"""A real shop bot on loopback: demo store, product index, a small trained model, both servers."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

import pytest

from shopdesk.serve import start_bot
from shopdesk.settings import Settings, get_settings
from storage.db import create_engine_for, session_factory
from tests.helpers.demo_shop import environment, seed_and_index
from tests.helpers.live_shop import TEST_PRODUCTS, free_port, serve_copy


@dataclass
class BotClient:
    """Talks to the running Rasa server over HTTP."""

    url: str
    token: str
    settings: Settings

    def post(self, path: str, body: Any, raw: bool = False) -> tuple[int, Any]:
        data = body if raw else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + path, data=data, headers={"Content-Type": "application/json"}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as reply:
                return reply.status, json.loads(reply.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def get(self, path: str) -> tuple[int, Any]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=60) as reply:
                return reply.status, json.loads(reply.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def say(self, sender: str, message: str) -> list[dict]:
        """Send one message over the REST channel and return the bot's replies."""
        status, replies = self.post(
            "/webhooks/rest/webhook", {"sender": sender, "message": message}
        )
        assert status == 200, replies
        return replies

    def text(self, sender: str, message: str) -> str:
        """Send one message and return the bot's text replies joined by newlines."""
        return "\n".join(r["text"] for r in self.say(sender, message) if "text" in r)

    @staticmethod
    def payload(replies: list[dict], kind: str) -> dict:
        """The custom payload of the given ``type`` among the replies ({} when there is none)."""
        for reply in replies:
            custom = reply.get("custom") or {}
            if custom.get("type") == kind:
                return custom
        return {}

    def slots(self, sender: str) -> dict:
        """The conversation's slots, read through the token-protected HTTP API."""
        status, tracker = self.get(f"/conversations/{sender}/tracker?token={self.token}")
        assert status == 200, tracker
        return tracker["slots"]

    def session(self):
        """A session on the bot's shop database, to check what the bot changed."""
        return session_factory(create_engine_for(self.settings.database_url))()


@pytest.fixture(name="free_port", scope="session")
def free_port_fixture():
    """The ``free_port`` function, for test modules that start servers of their own."""
    return free_port


@pytest.fixture(scope="session")
def bot(tmp_path_factory, bot_model) -> BotClient:
    """Seed, index and start the bot (the session's model) once for all end-to-end tests."""
    home = tmp_path_factory.mktemp("shopdesk-e2e")
    overrides = {
        "SHOPDESK_DATA_DIR": str(home),
        "SHOPDESK_RASA_PORT": str(free_port()),
        "SHOPDESK_ACTION_PORT": str(free_port()),
        "SHOPDESK_API_TOKEN": "e2e-secret-token",
        # Every test talks from loopback: one address for all their conversations.
        "SHOPDESK_RATE_LIMIT_IP": "0",
    }
    with environment(overrides):
        settings = get_settings()
        seed_and_index(settings, TEST_PRODUCTS)
        model = serve_copy(bot_model, settings)
        running = start_bot(settings, model, log_dir=home / "logs")
        try:
            yield BotClient(f"http://127.0.0.1:{settings.rasa_port}", running.token, settings)
        finally:
            running.stop()
