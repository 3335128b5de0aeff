"""What ``rasa train`` is given: the bot project, the NLU data and the reviewed examples."""

from __future__ import annotations

from pathlib import Path

import pytest

from shopdesk.settings import BOT_DIR, RUNNING_FROM_CHECKOUT, Settings
from shopdesk.training import NLU_TRAIN_DIR, default_inputs


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("SHOPDESK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("SHOPDESK_REVIEWED_EXAMPLES", raising=False)
    return Settings()


def test_inputs_are_the_bot_project_the_nlu_examples_and_the_lookup_tables_last(
    settings: Settings,
) -> None:
    inputs = default_inputs(settings)
    assert inputs.config == BOT_DIR / "config.yml"
    assert inputs.domain == BOT_DIR / "domain"
    assert inputs.data[:2] == (NLU_TRAIN_DIR, BOT_DIR / "data")
    assert inputs.data[-1] == settings.data_dir / "generated" / "lookups.yml"
    assert all(path.exists() for path in (inputs.config, inputs.domain, *inputs.data[:2]))


def test_reviewed_examples_default_to_the_nlu_directory_in_a_checkout(settings: Settings) -> None:
    assert RUNNING_FROM_CHECKOUT
    assert settings.reviewed_examples == NLU_TRAIN_DIR / "reviewed.yml"
    assert len(default_inputs(settings).data) == 3


def test_reviewed_examples_kept_elsewhere_are_trained_on_once_they_exist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reviewed = tmp_path / "shop" / "reviewed.yml"
    monkeypatch.setenv("SHOPDESK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SHOPDESK_REVIEWED_EXAMPLES", str(reviewed))

    assert reviewed not in default_inputs(Settings()).data

    reviewed.parent.mkdir()
    reviewed.write_text('version: "3.1"\nnlu: []\n', encoding="utf-8")
    data = default_inputs(Settings()).data
    assert data.count(reviewed) == 1
    assert data[-1].name == "lookups.yml"
