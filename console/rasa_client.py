"""What the console asks of the Rasa server, through its token-protected HTTP API."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from shopdesk.handoffs import (
    ConversationUpdateFailed,
    pause_conversation,
    resume_conversation,
)
from shopdesk.secrets import api_token
from shopdesk.settings import Settings

#: The Rasa server's endpoint that delivers a staff member's line to the shopper's open chat
#: and stores it in the transcript (bot/channels.py).
STAFF_MESSAGE_PATH = "/webhooks/shopdesk/staff_message"


class RasaUnavailable(RuntimeError):
    """The Rasa server refused or did not answer; the message says what to check."""


@dataclass
class RasaClient:
    """The Rasa server at ``url`` (default: ``SHOPDESK_RASA_URL``, or loopback)."""

    settings: Settings
    url: str

    @classmethod
    def for_settings(cls, settings: Settings, url: str | None = None) -> RasaClient:
        """A client of the Rasa server at ``url``, else ``SHOPDESK_RASA_URL``, else loopback."""
        default = settings.rasa_url or f"http://127.0.0.1:{settings.rasa_port}"
        return cls(settings, (url or default).rstrip("/"))

    def _call(self, method: str, path: str, body: Any = None, timeout: float = 30) -> Any:
        separator = "&" if "?" in path else "?"
        query = urllib.parse.urlencode({"token": api_token(self.settings)})
        request = urllib.request.Request(
            f"{self.url}{path}{separator}{query}",
            data=None if body is None else json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method=method,
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as reply:
                raw = reply.read()
        except urllib.error.HTTPError as error:
            detail = error.read()[:300].decode(errors="replace")
            if error.code == 404 and path.startswith(STAFF_MESSAGE_PATH) and "error" not in detail:
                raise RasaUnavailable(
                    f"The Rasa server at {self.url} has no staff message endpoint "
                    f"({STAFF_MESSAGE_PATH}); start it with 'shopdesk run' from this version."
                ) from error
            raise RasaUnavailable(
                f"The Rasa server at {self.url} answered {error.code} to {method} {path}: {detail}"
            ) from error
        except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
            raise RasaUnavailable(
                f"The Rasa server at {self.url} did not answer ({error}); is it running "
                "('shopdesk run')?"
            ) from error
        return json.loads(raw) if raw else None

    def pause(self, sender_id: str) -> None:
        """The bot stops answering the conversation (Rasa's ``pause`` event)."""
        try:
            pause_conversation(self.settings, sender_id, self.url)
        except ConversationUpdateFailed as error:
            raise RasaUnavailable(str(error)) from error

    def resume(self, sender_id: str) -> None:
        """The bot answers again and the conversation's handoff is closed."""
        try:
            resume_conversation(self.settings, sender_id, self.url)
        except RuntimeError as error:
            raise RasaUnavailable(str(error)) from error

    def staff_message(self, sender_id: str, text: str, agent: str, kind: str = "message") -> None:
        """Deliver a staff line (``message``, ``joined`` or ``left``) to the shopper's chat."""
        self._call(
            "POST",
            STAFF_MESSAGE_PATH,
            {"sender": sender_id, "text": text, "agent": agent, "kind": kind},
        )

    def status(self) -> dict[str, Any]:
        """The served model (``GET /status``: ``model_file``, ``model_id``)."""
        return self._call("GET", "/status") or {}

    def parse(self, text: str) -> dict[str, Any]:
        """What the loaded model understands in ``text`` (``POST /model/parse``)."""
        return self._call("POST", "/model/parse", {"text": text})

    def load_model(self, model_path: str) -> None:
        """Replace the served model with the archive at ``model_path`` (``PUT /model``)."""
        self._call("PUT", "/model", {"model_file": model_path}, timeout=300)
