"""``shopdesk identity token``: the token a shop's backend gives the widget, made from the CLI."""

from __future__ import annotations

import pytest

from actions.identity import IdentityTokens
from shopdesk.cli import main
from shopdesk.identity import identity_token
from shopdesk.secrets import identity_key
from shopdesk.settings import get_settings
from tests.helpers.demo_shop import seed_small_store


@pytest.fixture(name="shop_env")
def shop_env_fixture(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    seed_small_store(url)
    monkeypatch.setenv("SHOPDESK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SHOPDESK_DATABASE_URL", url)
    monkeypatch.delenv("SHOPDESK_IDENTITY_KEY", raising=False)
    return get_settings()


def test_the_command_prints_a_token_the_action_server_accepts(shop_env, capsys) -> None:
    assert main(["identity", "token", "1", "--minutes", "5"]) == 0
    token = capsys.readouterr().out.strip()
    # The key was generated once in the data directory; the action server reads the same one.
    assert IdentityTokens(identity_key(shop_env).encode()).customer(token) == 1
    assert IdentityTokens(b"another-key-another-key-another!").customer(token) is None


def test_a_token_for_a_customer_that_does_not_exist_is_refused(shop_env, capsys) -> None:
    assert main(["identity", "token", "99999"]) == 1
    out = capsys.readouterr().out
    assert "no customer 99999" in out and "anonymous" in out


def test_the_python_helper_uses_the_configured_key(shop_env, monkeypatch) -> None:
    monkeypatch.setenv("SHOPDESK_IDENTITY_KEY", "the-key-the-shop-backend-was-given")
    token = identity_token(7, minutes=1)
    assert IdentityTokens(b"the-key-the-shop-backend-was-given").customer(token) == 7
