"""Benchmarks behind ``shopdesk bench``: each module here adds one sub-command.

A benchmark module exposes ``add_parser(subparsers)``, registering its sub-command with
``set_defaults(handler=...)`` where ``handler(args) -> int``. Results go to
``docs/benchmarks.md`` through :func:`shopdesk.bench.report.update_section`, each
benchmark in its own section.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def benchmark_modules() -> list[ModuleType]:
    """The modules of this package that define a ``shopdesk bench`` sub-command."""
    modules = []
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "add_parser"):
            modules.append(module)
    return modules
