"""`shopdesk staff add` and the demo's first admin login."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from console.server import DEMO_ADMIN_EMAIL, demo_admin
from shopdesk.cli import main
from storage.db import create_engine_for, session_factory
from storage.migrations import upgrade
from storage.schema import StaffMember
from tests.helpers.console import console_settings


@pytest.fixture
def environment(tmp_path, monkeypatch):
    settings = console_settings(tmp_path)
    monkeypatch.setenv("SHOPDESK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SHOPDESK_DATABASE_URL", settings.database_url)
    upgrade(settings.database_url)
    return settings


def roles(settings) -> dict[str, str]:
    engine = create_engine_for(settings.database_url)
    with session_factory(engine)() as session:
        found = {m.email: m.role.value for m in session.execute(select(StaffMember)).scalars()}
    engine.dispose()
    return found


def test_staff_add_asks_for_the_password_twice(environment, monkeypatch, capsys) -> None:
    answers = iter(["a long enough secret", "a long enough secret"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert main(["staff", "add", "Sam@Shop.example", "--role", "agent", "--name", "Sam"]) == 0
    assert roles(environment) == {"sam@shop.example": "agent"}
    assert "Added sam@shop.example (agent)" in capsys.readouterr().out


@pytest.mark.parametrize(
    "passwords, message",
    [
        (["a long enough secret", "another secret!!"], "the two passwords differ"),
        (["short", "short"], "at least 10 characters"),
    ],
)
def test_staff_add_refuses_and_writes_nothing(
    environment, monkeypatch, capsys, passwords, message
) -> None:
    answers = iter(passwords)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert main(["staff", "add", "sam@shop.example", "--role", "agent"]) == 1
    assert message in capsys.readouterr().out
    assert roles(environment) == {}


def test_demo_admin_is_created_once_and_printed_again(environment) -> None:
    first = demo_admin(environment)
    assert first is not None and first[0] == DEMO_ADMIN_EMAIL
    assert demo_admin(environment) == first
    assert roles(environment) == {DEMO_ADMIN_EMAIL: "admin"}
