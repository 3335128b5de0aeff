"""``shopdesk bench search`` and ``shopdesk bench search-scale``: product search quality and speed.

``search`` indexes a products CSV with the production :class:`ProductIndex` and compares
BM25 alone, dense alone and the production hybrid on a judged query set (nDCG@10,
MRR@10, Recall@100, query latency with the query embedding, build time).
``search-scale`` measures latency, memory, build speed and the approximate index's
recall on a large generated demo catalog (100,000 products by default).

Modules: ``data`` (products CSV rows, the judged demo catalog), ``queries`` (price phrases
to filters, as the bot does), ``timing`` (timed searches), ``quality`` (``bench search``) and
``scale`` (``bench search-scale``).
"""

from __future__ import annotations

from typing import Any

from shopdesk.bench.search import quality, scale


def add_parser(subparsers: Any) -> None:
    """Register ``shopdesk bench search`` and ``shopdesk bench search-scale``."""
    quality.add_parser(subparsers)
    scale.add_parser(subparsers)
