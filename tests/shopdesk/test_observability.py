"""shopdesk/observability.py: JSON log lines with the conversation id, and /metrics adding up
the numbers of several worker processes."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

import pytest
from prometheus_client.parser import text_string_to_metric_families

from shopdesk.observability import ConversationFilter, configure_logging, conversation_id
from shopdesk.settings import PROJECT_ROOT, SettingsError


def test_json_lines_carry_the_conversation_id(capsys) -> None:
    root = logging.getLogger()
    handler = logging.StreamHandler(sys.stderr)
    saved, level = root.handlers[:], root.level
    root.handlers = [handler]
    try:
        configure_logging("json")
        token = conversation_id.set("3f9c-shopper")
        logging.getLogger("bot.test").warning("the action server is slow: %d ms", 900)
        conversation_id.reset(token)
        logging.getLogger("bot.test").warning("no conversation here")
    finally:
        root.handlers = saved
        root.setLevel(level)
    first, second = (json.loads(line) for line in capsys.readouterr().err.splitlines())
    assert first["message"] == "the action server is slow: 900 ms"
    assert (first["level"], first["logger"]) == ("WARNING", "bot.test")
    assert first["conversation_id"] == "3f9c-shopper"
    assert second["conversation_id"] is None
    assert any(isinstance(f, ConversationFilter) for f in handler.filters)


def test_an_unknown_log_format_is_refused_with_the_choices() -> None:
    with pytest.raises(SettingsError, match="SHOPDESK_LOG_FORMAT must be 'text' or 'json'"):
        configure_logging("xml")


WORKER = """
from shopdesk.observability import MESSAGES
MESSAGES.labels(channel="rest").inc({n})
"""


def test_metrics_add_up_the_workers_of_one_server(tmp_path) -> None:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for n in (2, 3):
        subprocess.run(
            [sys.executable, "-c", WORKER.format(n=n)], env=env, cwd=PROJECT_ROOT, check=True
        )
    page = subprocess.run(
        [
            sys.executable,
            "-c",
            "from shopdesk.observability import metrics_page; print(metrics_page()[0].decode())",
        ],
        env=env,
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    values = {
        (s.name, tuple(s.labels.items())): s.value
        for family in text_string_to_metric_families(page)
        for s in family.samples
    }
    assert values[("shopdesk_messages_total", (("channel", "rest"),))] == 5
