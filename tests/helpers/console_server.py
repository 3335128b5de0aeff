"""The support console served by uvicorn in a thread, for browser tests."""

from __future__ import annotations

import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn

from console.app import create_app
from shopdesk.settings import Settings
from tests.helpers.live_shop import free_port


@contextmanager
def serve_console(
    settings: Settings,
    rasa_url: str | None = None,
    train: Callable[[Settings], Path] | None = None,
) -> Iterator[str]:
    """Serve the console on a free loopback port (index refreshed every half second; ``train``
    retrains the bot, see :func:`console.app.create_app`); yields its URL and stops it
    afterwards."""
    port = free_port()
    app = create_app(settings, rasa_url=rasa_url, index_interval=0.5, train=train)
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=3
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{url}/login", timeout=2):
                break
        except OSError:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("The console did not start within 30 s.") from None
            time.sleep(0.1)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
