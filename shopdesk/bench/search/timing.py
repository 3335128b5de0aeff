"""Timed product searches: the query embedding included, on the action server's threads."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from shopdesk.bench.search.queries import parse_query
from shopdesk.settings import get_settings

if TYPE_CHECKING:
    from retrieval.embeddings import TextEncoder
    from retrieval.product_index import ProductIndex, SearchFilters


@dataclass(frozen=True)
class Timings:
    """Wall-clock and CPU seconds of each timed search call."""

    wall: list[float]
    cpu: list[float]

    @property
    def wall_ms(self) -> list[float]:
        """Wall-clock milliseconds of each call."""
        return [seconds * 1000.0 for seconds in self.wall]

    @property
    def cpu_ms(self) -> list[float]:
        """CPU milliseconds of each call."""
        return [seconds * 1000.0 for seconds in self.cpu]


def time_queries(
    index: ProductIndex,
    encoder: TextEncoder,
    queries: Sequence[str],
    mode: str,
    filters: Sequence[SearchFilters] | None = None,
    k: int = 10,
) -> Timings:
    """Seconds per ``index.search`` call, the query embedding included (the cache is cleared).

    CPU time (of this process) is recorded too: on a machine shared with other work it
    shows what a query costs when wall-clock time is stretched by waiting for a core.
    FAISS and BLAS use ``SHOPDESK_SEARCH_THREADS`` threads (default 1), as in the action server.
    """
    from retrieval.product_index import set_search_threads

    timings = Timings([], [])
    restore_threads = set_search_threads(get_settings().search_threads)
    try:
        _time_each(index, encoder, queries, mode, filters, k, timings)
    finally:
        restore_threads()
    return timings


def _time_each(
    index: ProductIndex,
    encoder: TextEncoder,
    queries: Sequence[str],
    mode: str,
    filters: Sequence[SearchFilters] | None,
    k: int,
    timings: Timings,
) -> None:
    for number, query in enumerate(queries):
        words, parsed = parse_query(query)
        chosen = filters[number] if filters is not None else parsed
        encoder.clear_cache()
        started, cpu_started = time.perf_counter(), time.process_time()
        index.search(words, chosen, k=k, mode=mode)
        timings.wall.append(time.perf_counter() - started)
        timings.cpu.append(time.process_time() - cpu_started)


def bench_encoder(max_seq_length: int | None = None) -> TextEncoder:
    """The configured embedding model on ``SHOPDESK_TORCH_THREADS`` threads, as the bot runs it."""
    import torch

    from retrieval.embeddings import TextEncoder

    settings = get_settings()
    torch.set_num_threads(settings.torch_threads)
    return TextEncoder(settings.embedding_model, max_seq_length=max_seq_length)
