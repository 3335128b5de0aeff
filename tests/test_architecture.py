"""The package graph docs/architecture.md draws, checked against the imports in the code."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from shopdesk.settings import PROJECT_ROOT

#: What each package may import from the others (``shopdesk.x`` names one module of shopdesk).
ALLOWED = {
    "storage": set(),
    "models": {"storage"},
    "retrieval": {"storage", "models"},
    "actions": {
        "retrieval",
        "models",
        "storage",
        "shopdesk.settings",
        "shopdesk.secrets",
        "shopdesk.observability",
        "shopdesk.memory",
    },
    "bot": {
        "retrieval",
        "models",
        "storage",
        "shopdesk.settings",
        "shopdesk.secrets",
        "shopdesk.observability",
        "shopdesk.memory",
    },
    "web": {"storage", "shopdesk.settings", "shopdesk.secrets", "shopdesk.observability"},
    "console": {
        "retrieval",
        "storage",
        "shopdesk.settings",
        "shopdesk.secrets",
        "shopdesk.observability",
        "shopdesk.handoffs",
        "shopdesk.serve",
        "shopdesk.training",
    },
}
#: The Rasa world: only bot/ and actions/ (and the shopdesk commands that start them) use it.
RASA = {"rasa", "rasa_sdk", "sanic"}
PACKAGES = {*ALLOWED, "shopdesk"}


def imports_of(package: str) -> dict[str, set[str]]:
    """Each imported module of another package or of Rasa, with the files importing it."""
    found: dict[str, set[str]] = {}
    for path in sorted((PROJECT_ROOT / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            else:
                continue
            for name in names:
                parts = name.split(".")
                if parts[0] == package or parts[0] not in PACKAGES | RASA:
                    continue
                key = ".".join(parts[:2]) if parts[0] == "shopdesk" else parts[0]
                found.setdefault(key, set()).add(str(Path(path).relative_to(PROJECT_ROOT)))
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_a_package_imports_only_what_the_architecture_allows(package: str) -> None:
    allowed = ALLOWED[package] | (RASA if package in ("bot", "actions") else set())
    unexpected = {name: files for name, files in imports_of(package).items() if name not in allowed}
    assert not unexpected, (
        f"{package}/ imports what docs/architecture.md does not allow: {unexpected}"
    )
