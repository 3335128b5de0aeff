"""Secrets shopdesk generates.

They are kept private, stable, and never replaced behind the operator's back.
"""

from __future__ import annotations

import stat

import pytest

from shopdesk.secrets import action_token, stored_secret, verification_key
from shopdesk.settings import Settings, SettingsError


def test_a_generated_secret_is_private_and_stays_the_same(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path)
    token = action_token(settings)
    assert len(token) >= 40
    assert token == action_token(settings)
    assert stat.S_IMODE((tmp_path / "action-token").stat().st_mode) == 0o600
    assert verification_key(settings) != token


def test_a_configured_secret_wins_and_nothing_is_written(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path, action_token="from-the-environment")
    assert action_token(settings) == "from-the-environment"
    assert not (tmp_path / "action-token").exists()


def test_an_emptied_secret_file_is_an_error_that_says_what_to_do(tmp_path) -> None:
    (tmp_path / "secret").write_text("\n")
    with pytest.raises(SettingsError, match="delete it"):
        stored_secret("", tmp_path / "secret")
