"""The parts of a benchmark section that ``shopdesk.bench.report`` writes for every benchmark."""

from __future__ import annotations

import os

from shopdesk.bench.report import stamp_with_load


def test_a_training_benchmark_says_its_threads_and_the_load_it_shared_the_machine_with() -> None:
    line = stamp_with_load(2, [1.5, 3.0], "Cold cache.")
    assert line.startswith("Measured on ")
    assert (
        " PyTorch threads: 2; load average 1.5 at the start, 3.0 at the end "
        f"(other work shared the {os.cpu_count()} cores). Cold cache."
    ) in line
    assert stamp_with_load(2, [1.5, 3.0]).endswith("cores).")
