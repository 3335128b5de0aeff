"""Console fixtures: migrated shop database, a conversation store written by Rasa's own
tracker store, staff accounts of each role, and the console application."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from console.app import create_app
from console.staff import add_staff
from shopdesk.settings import Settings
from storage.db import create_engine_for, session_factory
from storage.migrations import upgrade
from tests.console.conversation_log import ConversationLog

PASSWORD = "correct horse battery"
ROLES = ("admin", "agent", "annotator")


def console_settings(directory: Path, **overrides) -> Settings:
    """Settings of a console whose databases live in ``directory``."""
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


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with migrated shop database and staff of each role (``<role>@shop.test``)."""
    settings = console_settings(tmp_path)
    upgrade(settings.database_url)
    engine = create_engine_for(settings.database_url)
    with session_factory(engine)() as session:
        for role in ROLES:
            add_staff(session, f"{role}@shop.test", PASSWORD, role, role.title())
    engine.dispose()
    return settings


@pytest.fixture
def conversation_log(settings: Settings) -> Iterator[ConversationLog]:
    """Rasa's SQL tracker store on the settings' conversation database."""
    log = ConversationLog(settings.tracker_store_url)
    yield log
    log.close()


@pytest.fixture
def shop_session(settings: Settings) -> Iterator[Session]:
    """A session on the shop database."""
    engine = create_engine_for(settings.database_url)
    with session_factory(engine)() as session:
        yield session
    engine.dispose()


@dataclass
class ConsoleClient:
    """A browser-like client of the console."""

    http: TestClient

    def login(self, role: str, password: str = PASSWORD):
        form = self.http.get("/login")
        token = csrf_of(form.text)
        return self.http.post(
            "/login",
            data={"email": f"{role}@shop.test", "password": password, "csrf_token": token},
            follow_redirects=False,
        )

    def csrf(self, path: str = "/inbox") -> str:
        return csrf_of(self.http.get(path).text)

    def post(self, path: str, data: dict | None = None, csrf_from: str = "/inbox"):
        return self.http.post(
            path, data={**(data or {}), "csrf_token": self.csrf(csrf_from)}, follow_redirects=False
        )


def csrf_of(html: str) -> str:
    """The CSRF token in a page's forms."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


@pytest.fixture
def console_app(settings: Settings, conversation_log: ConversationLog):
    """The console application (index updated only when a test asks)."""
    return create_app(settings, index_interval=None)


@pytest.fixture
def client(console_app) -> Callable[..., ConsoleClient]:
    """A new, signed-out client each call (pass ``role`` to sign in)."""
    clients: list[TestClient] = []

    def make(role: str | None = None) -> ConsoleClient:
        http = TestClient(console_app, headers={"Accept": "text/html"})
        clients.append(http)
        browser = ConsoleClient(http)
        if role:
            assert browser.login(role).status_code == 303
        return browser

    yield make
    for http in clients:
        http.close()
