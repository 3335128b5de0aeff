"""Support console test helpers: settings of a console in a directory, staff passwords, CSRF."""

from __future__ import annotations

import re
from pathlib import Path

from shopdesk.settings import Settings

PASSWORD = "correct horse battery"
ROLES = ("admin", "agent", "annotator")


def console_settings(directory: Path, **overrides) -> Settings:
    """Settings of a console whose databases and reviewed examples live in ``directory``."""
    values = {
        "data_dir": directory,
        "database_url": f"sqlite:///{directory / 'shop.db'}",
        "tracker_store_url": f"sqlite:///{directory / 'conversations.db'}",
        "api_token": "console-test-token",
        "console_session_secret": "console-test-session-secret",
        "reviewed_examples": directory / "reviewed.yml",
        **overrides,
    }
    return Settings(**values)


def csrf_of(html: str) -> str:
    """The CSRF token in a page's forms."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)
