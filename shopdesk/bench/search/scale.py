"""``shopdesk bench search-scale``: latency, memory, build speed and approximate-index recall.

Measured on a large generated demo catalog (100,000 products by default).
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shopdesk.bench.metrics import percentile
from shopdesk.bench.report import stamp, update_section
from shopdesk.bench.search.data import DEMO_JUDGMENTS, seed_demo_records
from shopdesk.bench.search.queries import parse_query
from shopdesk.bench.search.timing import bench_encoder, time_queries
from shopdesk.settings import get_settings

if TYPE_CHECKING:
    from retrieval.embeddings import TextEncoder
    from retrieval.product_index import ProductIndex, SearchFilters
    from storage.catalog import ProductRecord


def _rss_mib() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def scale_filters(records: Sequence[ProductRecord], count: int) -> list[SearchFilters]:
    """A deterministic mix of filters like shoppers set: none, price, category, color, both."""
    from retrieval.product_index import SearchFilters

    categories = sorted({r.category.split(" > ")[-1] for r in records if r.category})
    colors = ("black", "blue", "white", "red", "gray")
    mix = []
    for number in range(count):
        kind = number % 5
        category = categories[number % len(categories)]
        color = colors[number % len(colors)]
        mix.append(
            [
                SearchFilters(),
                SearchFilters(price_max=50.0),
                SearchFilters(category=category),
                SearchFilters(color=color, price_max=100.0),
                SearchFilters(category=category, color=color, in_stock=True),
            ][kind]
        )
    return mix


def approximate_recall(
    index: ProductIndex,
    vectors: Any,
    encoder: TextEncoder,
    queries: Sequence[str],
    filters: Sequence[SearchFilters],
    k: int = 10,
) -> float:
    """Mean share of the exact dense top ``k`` (same filters) the index's dense search returns."""
    import numpy as np

    shares = []
    ids = index.product_ids()
    for query, chosen in zip(queries, filters, strict=True):
        words, _ = parse_query(query)
        understood = index.understand(words)
        vector = encoder.encode([understood.dense_text])[0]
        allowed = index.filter_mask(chosen)
        if not allowed.any():
            continue
        rows = np.flatnonzero(allowed)
        scores = vectors[rows] @ vector
        exact = set(ids[rows[np.argsort(-scores)[:k]]].tolist())
        found = {hit.record.product_id for hit in index.search(words, chosen, k=k, mode="dense")}
        shares.append(len(exact & found) / len(exact))
    return float(np.mean(shares)) if shares else 0.0


def run_scale(
    product_count: int,
    work_dir: Path,
    *,
    queries_path: Path = DEMO_JUDGMENTS / "queries.csv",
    approximate_threshold: int | None = None,
    document_max_tokens: int | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Build the index over a ``product_count`` demo catalog and measure speed, memory and recall.

    ``document_max_tokens`` cuts product texts for a faster build on a slow machine (reported).
    """
    from retrieval.embeddings import encode_in_chunks
    from retrieval.evaluation import read_queries
    from retrieval.product_index import ProductIndex, SearchFilters
    from retrieval.product_text import embedding_text

    settings = get_settings()
    threshold = approximate_threshold or settings.approximate_index_threshold
    records = seed_demo_records(product_count, directory=work_dir, progress=progress)
    encoder = bench_encoder(document_max_tokens)
    checkpoint = work_dir / f"embeddings-{product_count}-{document_max_tokens or 'full'}"
    chunks_before = len(list(checkpoint.glob("*.npy"))) if checkpoint.is_dir() else 0
    rss_before = _rss_mib()
    started = time.perf_counter()
    index = ProductIndex.build(
        records,
        encoder,
        approximate_threshold=threshold,
        checkpoint_dir=checkpoint,
        progress=progress,
    )
    build_seconds = time.perf_counter() - started
    rss_after = _rss_mib()
    texts = [q.query for q in read_queries(queries_path)]
    filters = scale_filters(records, len(texts))
    unfiltered = [SearchFilters()] * len(texts)
    time_queries(index, encoder, texts[:20], "hybrid", filters=filters[:20])  # warm-up
    filtered = time_queries(index, encoder, texts, "hybrid", filters=filters)
    plain = time_queries(index, encoder, texts, "hybrid", filters=unfiltered)
    vectors = encode_in_chunks(
        encoder,
        [embedding_text(r) for r in sorted(records, key=lambda r: r.product_id)],
        checkpoint,
        progress=False,
    )
    recall = approximate_recall(index, vectors, encoder, texts, filters)
    recall_unfiltered = approximate_recall(index, vectors, encoder, texts, unfiltered)
    memory = index.memory_bytes()
    return {
        "products": len(records),
        "index_type": index.index_type,
        "ivf_lists": index.manifest.ivf_lists,
        "ivf_probe": index.manifest.ivf_probe,
        "build_seconds": round(build_seconds, 1),
        "products_per_second": round(len(records) / build_seconds, 1),
        "embedding_chunks_reused": chunks_before,
        "latency_p50_ms": round(percentile(filtered.wall_ms, 50), 2),
        "latency_p95_ms": round(percentile(filtered.wall_ms, 95), 2),
        "cpu_p50_ms": round(percentile(filtered.cpu_ms, 50), 2),
        "cpu_p95_ms": round(percentile(filtered.cpu_ms, 95), 2),
        "latency_unfiltered_p50_ms": round(percentile(plain.wall_ms, 50), 2),
        "latency_unfiltered_p95_ms": round(percentile(plain.wall_ms, 95), 2),
        "recall@10_vs_exact_filtered": round(recall, 4),
        "recall@10_vs_exact_unfiltered": round(recall_unfiltered, 4),
        "memory_bytes": memory,
        "process_rss_growth_mib": round(rss_after - rss_before, 1),
        "queries": len(texts),
        "document_max_tokens": document_max_tokens,
    }


def _scale_section(document: dict[str, Any], note: str) -> str:
    doc = document
    mib = {name: value / 2**20 for name, value in doc["memory_bytes"].items()}
    return "\n".join(
        [
            f"## Product search at scale ({doc['products']:,} demo products)",
            "",
            stamp() + (f" {note}" if note else ""),
            "",
            "`shopdesk bench search-scale`: demo store seed 7, hybrid search with k=10, the query "
            f"embedding included (cache cleared every query), 1 torch thread, {doc['queries']} "
            "queries of the judged demo set; filtered = a mix of none / price / category / "
            "color+price / category+color+in-stock.",
            "",
            "| measure | value | target |",
            "| --- | ---: | --- |",
            f"| latency p50, filtered | {doc['latency_p50_ms']:.2f} ms | ≤ 10 ms |",
            f"| latency p95, filtered | {doc['latency_p95_ms']:.2f} ms | ≤ 25 ms |",
            f"| CPU time per query p50 / p95, filtered | {doc['cpu_p50_ms']:.2f} / "
            f"{doc['cpu_p95_ms']:.2f} ms | |",
            f"| latency p50 / p95, no filters | {doc['latency_unfiltered_p50_ms']:.2f} / "
            f"{doc['latency_unfiltered_p95_ms']:.2f} ms | |",
            f"| dense index | {doc['index_type']} ({doc['ivf_lists']} lists, "
            f"{doc['ivf_probe']} probed) | approximate above the threshold |",
            "| recall@10 of the approximate index vs exact, filtered / unfiltered | "
            f"{doc['recall@10_vs_exact_filtered']:.3f} / "
            f"{doc['recall@10_vs_exact_unfiltered']:.3f} | ≥ 0.95 |",
            f"| index memory: vectors / BM25 / attributes | {mib['vectors']:.0f} / "
            f"{mib['bm25']:.0f} / {mib['attributes']:.0f} MiB | reported |",
            f"| process memory growth during build | {doc['process_rss_growth_mib']:.0f} MiB | |",
            f"| build time | {doc['build_seconds']:.0f} s "
            f"({doc['products_per_second']:.0f} products/s) | progress shown, resumable |",
            "",
            (
                f"Product texts were cut after {doc['document_max_tokens']} word pieces for this "
                "run (the machine's cores were shared), so the build is faster than with full "
                "texts; latency, memory and recall do not depend on the text length."
                if doc["document_max_tokens"]
                else "Full product texts were embedded."
            ),
            f"{doc['embedding_chunks_reused']} embedding chunks were reused from an earlier, "
            "interrupted run."
            if doc["embedding_chunks_reused"]
            else "",
        ]
    )


def _scale_handler(args: argparse.Namespace) -> int:
    from rich.console import Console

    console = Console()
    work_dir = Path(args.work_dir or get_settings().data_dir / "bench-search-scale")
    document = run_scale(
        args.products,
        work_dir,
        approximate_threshold=args.approximate_threshold,
        document_max_tokens=args.document_max_tokens,
        progress=not args.quiet,
    )
    console.print_json(json.dumps(document))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    if args.write_docs:
        update_section("search-scale", _scale_section(document, args.note))
    return 0


def add_parser(subparsers: Any) -> None:
    """Register ``shopdesk bench search-scale``."""
    scale = subparsers.add_parser(
        "search-scale", help="product search latency, memory and recall at 100k products"
    )
    scale.add_argument(
        "--products", type=int, default=100_000, help="demo catalog size (default 100000)"
    )
    scale.add_argument(
        "--work-dir", help="where the demo database and embedding chunks are kept (resumable)"
    )
    scale.add_argument(
        "--approximate-threshold", type=int, help="override SHOPDESK_APPROX_INDEX_THRESHOLD"
    )
    scale.add_argument(
        "--document-max-tokens",
        type=int,
        help="cut product texts after this many word pieces (faster build; reported)",
    )
    scale.add_argument("--json", help="write the results as JSON here")
    scale.add_argument(
        "--write-docs", action="store_true", help="write the table to docs/benchmarks.md"
    )
    scale.add_argument("--note", default="", help="a remark for the report (e.g. machine load)")
    scale.add_argument("--quiet", action="store_true", help="no progress bars")
    scale.set_defaults(handler=_scale_handler)
