"""Console fixtures: migrated shop database, a conversation store written by Rasa's own
tracker store, staff accounts of each role, and the console application."""

from __future__ import annotations

import shutil
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
from tests.helpers.console import PASSWORD, ROLES, console_settings, csrf_of
from tests.helpers.conversation_log import ConversationLog


@pytest.fixture(scope="session")
def staffed_shop_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated shop database with staff of each role (``<role>@shop.test``), made once."""
    directory = tmp_path_factory.mktemp("console-shop")
    url = f"sqlite:///{directory / 'shop.db'}"
    upgrade(url)
    engine = create_engine_for(url)
    with session_factory(engine)() as session:
        for role in ROLES:
            add_staff(session, f"{role}@shop.test", PASSWORD, role, role.title())
    engine.dispose()
    return directory / "shop.db"


@pytest.fixture
def settings(tmp_path: Path, staffed_shop_file: Path) -> Settings:
    """Settings of a console in ``tmp_path`` with its own copy of the staffed shop database."""
    shutil.copyfile(staffed_shop_file, tmp_path / "shop.db")
    return console_settings(tmp_path)


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
