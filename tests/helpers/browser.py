"""Launching Debian's Chromium through Playwright (never `playwright install`)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: The viewport of browser tests and of the screenshots in docs/.
VIEWPORT = {"width": 1280, "height": 800}


def launch_chromium(playwright: Playwright) -> Browser:
    """Chromium installed by scripts/ensure-browser.sh; fails with what to run when missing."""
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(executable).exists():
        pytest.fail(
            "Chromium is not installed: run scripts/ensure-browser.sh (as root, or `make test`).",
            pytrace=False,
        )
    return playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
