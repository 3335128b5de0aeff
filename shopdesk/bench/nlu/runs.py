"""One model's run on a split: its predictions, training time and single-message latency."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

#: Test messages timed one at a time for the latency figures (spread over the test set).
LATENCY_SAMPLES = 300
LATENCY_WARMUP = 20

#: (top intent, confidence) per message, by split name ("test", "val").
TopPredictions = dict[str, list[tuple[str, float]]]


@dataclass
class ModelRow:
    """One model's figures in the benchmark report (the JSON ``models`` entry)."""

    model: str
    description: str
    predictions: list[str]
    confidences: list[float]
    train_seconds: float
    train_cpu_seconds: float
    latencies_ms: list[float]
    latencies_cpu_ms: list[float]
    oos_detection: str | None = None
    threshold: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def time_single_messages(
    predict: Callable[[str], Any], texts: Sequence[str]
) -> tuple[list[float], list[float]]:
    """Wall-clock and process-CPU milliseconds per call of ``predict`` on single messages.

    CPU time does not grow when other programs compete for the cores, so on a loaded machine it
    is the better estimate of the latency on a quiet one.
    """
    step = max(1, len(texts) // LATENCY_SAMPLES)
    sample = list(texts[::step])[:LATENCY_SAMPLES]
    for text in sample[:LATENCY_WARMUP]:
        predict(text)
    wall, cpu = [], []
    for text in sample:
        started, started_cpu = time.perf_counter(), time.process_time()
        predict(text)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return wall, cpu
