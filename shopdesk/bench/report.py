"""Writing benchmark results into ``docs/benchmarks.md``, one section per benchmark."""

from __future__ import annotations

import os
import platform
import re
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

from shopdesk.settings import PROJECT_ROOT, RUNNING_FROM_CHECKOUT, get_settings

HEADER = (
    "# Benchmarks\n\n"
    "Written by `make bench` (`shopdesk bench ...`); each section says the machine and date it "
    "was\n"
    "measured on. Speed and memory targets are checked here, never by timed tests.\n"
)


def machine_description() -> str:
    """CPU model, cores and memory of this machine, in one line."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        pages, page_size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        memory = f", {pages * page_size / 2**30:.0f} GiB RAM"
    except (ValueError, OSError):
        pass
    return f"{cpu}, {os.cpu_count()} cores{memory}, Python {platform.python_version()}"


def stamp() -> str:
    """ "measured on <machine>, <UTC date and time>"."""
    return f"Measured on {machine_description()}, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC."


def stamp_with_load(threads: int, load_average: Sequence[float], note: str = "") -> str:
    """:func:`stamp`, the PyTorch threads and the load average at the start and the end.

    For a benchmark that trains on a shared machine; ``note`` (if any) follows.
    """
    load_start, load_end = load_average
    return (
        stamp() + f" PyTorch threads: {threads}; load average {load_start} at the start, "
        f"{load_end} at the end (other work shared the {os.cpu_count()} cores)."
        + (f" {note}" if note else "")
    )


def benchmarks_page() -> Path:
    """Where results go: ``docs/benchmarks.md`` in a checkout, else the data directory."""
    if RUNNING_FROM_CHECKOUT:
        return PROJECT_ROOT / "docs" / "benchmarks.md"
    return get_settings().data_dir / "benchmarks.md"


def update_section(name: str, markdown: str, path: Path | None = None) -> Path:
    """Replace (or append) the section ``name`` of the benchmarks page with ``markdown``."""
    path = path or benchmarks_page()
    begin, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = f"{begin}\n{markdown.strip()}\n{end}"
    text = path.read_text(encoding="utf-8") if path.exists() else HEADER
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.DOTALL)
    text = (
        pattern.sub(lambda _: block, text)
        if pattern.search(text)
        else text.rstrip() + "\n\n" + block + "\n"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
