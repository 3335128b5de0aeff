"""``rasa data validate`` on the bot's real training inputs: it passes, and warns only about what
Rasa 3.6 cannot see.

Its validator counts a response as used only when a story or rule runs it. Two kinds of use
are invisible to it, and Rasa has no way to declare them: a form asking for a slot with
``utter_ask_<slot>``, and an action sending a response through the dispatcher
(``dispatcher.utter_message(response=...)``). Those "not used in any story or rule" warnings
are expected, computed here from the domain's forms and the actions' code; any other warning
(an unused intent or response, an intent without examples, a broken story) fails the test.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from shopdesk.settings import PROJECT_ROOT, Settings
from shopdesk.training import default_inputs, rasa_data_arguments, refresh_lookup_tables
from tests.helpers.demo_shop import seed_small_store

WARNING = re.compile(r"UserWarning: (.*)")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
SENT_BY_ACTIONS = re.compile(r"""response=["'](utter_\w+)["']""")


@pytest.fixture(scope="module")
def validation(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    """``rasa data validate`` over the files ``shopdesk train`` trains on, lookups included."""
    home = tmp_path_factory.mktemp("validate")
    settings = Settings(data_dir=home, database_url=f"sqlite:///{home / 'shop.db'}")
    seed_small_store(settings.database_url)
    inputs = default_inputs(settings)
    refresh_lookup_tables(settings, inputs.data[-1])
    command = [sys.executable, "-m", "rasa", "data", "validate", *rasa_data_arguments(inputs)]
    environment = {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}
    return subprocess.run(
        command, capture_output=True, text=True, cwd=PROJECT_ROOT, env=environment
    )


def form_prompts(domain_dir: Path) -> set[str]:
    """``utter_ask_<slot>`` of every slot a form in the domain asks for."""
    prompts = set()
    for path in domain_dir.glob("*.yml"):
        forms = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("forms") or {}
        for form in forms.values():
            prompts.update(f"utter_ask_{slot}" for slot in form.get("required_slots", []))
    return prompts


def responses_sent_by_actions() -> set[str]:
    """Responses the actions send by name through the dispatcher."""
    return {
        name
        for path in (PROJECT_ROOT / "actions").rglob("*.py")
        for name in SENT_BY_ACTIONS.findall(path.read_text(encoding="utf-8"))
    }


def test_rasa_data_validate_passes(validation: subprocess.CompletedProcess[str]) -> None:
    assert validation.returncode == 0, validation.stdout + validation.stderr
    assert "No story structure conflicts found" in validation.stdout + validation.stderr


def test_the_only_warnings_are_responses_rasa_cannot_see_in_use(
    validation: subprocess.CompletedProcess[str],
) -> None:
    output = ANSI.sub("", validation.stdout + validation.stderr)
    warnings = {match.strip() for match in WARNING.findall(output)}
    invisible = form_prompts(PROJECT_ROOT / "bot" / "domain") | responses_sent_by_actions()
    expected = {f"The utterance '{name}' is not used in any story or rule." for name in invisible}
    assert warnings - expected == set()
