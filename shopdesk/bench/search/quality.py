"""``shopdesk bench search``: BM25, dense and hybrid search on a judged query set.

nDCG@10, MRR@10, Recall@100, query latency with the query embedding, and build time of the
production :class:`ProductIndex` over a products CSV.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shopdesk.bench.metrics import percentile
from shopdesk.bench.report import stamp, update_section
from shopdesk.bench.search.data import (
    DEMO_JUDGMENTS,
    DEMO_PRODUCTS,
    DEMO_SEED,
    BenchmarkInputError,
    export_products,
    records_from_rows,
    seed_demo_records,
)
from shopdesk.bench.search.queries import parse_query
from shopdesk.bench.search.timing import bench_encoder, time_queries

if TYPE_CHECKING:
    from retrieval.embeddings import TextEncoder
    from retrieval.evaluation import JudgedQuery
    from retrieval.product_index import ProductIndex

MODES = ("bm25", "dense", "hybrid")


@dataclass(frozen=True)
class ModeResult:
    """Quality and speed of one search mode on a judged query set."""

    mode: str
    ndcg_at_10: float
    mrr_at_10: float
    recall_at_100: float
    latency_p50_ms: float
    latency_p95_ms: float
    cpu_p50_ms: float

    def as_json(self) -> dict[str, float]:
        """The JSON keys of the benchmark's output."""
        return {
            "ndcg@10": round(self.ndcg_at_10, 4),
            "mrr@10": round(self.mrr_at_10, 4),
            "recall@100": round(self.recall_at_100, 4),
            "latency_p50_ms": round(self.latency_p50_ms, 2),
            "latency_p95_ms": round(self.latency_p95_ms, 2),
            "cpu_p50_ms": round(self.cpu_p50_ms, 2),
        }


def rankings_for(
    index: ProductIndex, queries: Sequence[JudgedQuery], mode: str, k: int = 100
) -> dict[str, list[str]]:
    """Product ids (as strings) ranked by ``index`` in ``mode`` for each query."""
    rankings = {}
    for query in queries:
        words, filters = parse_query(query.query)
        hits = index.search(words, filters, k=k, mode=mode)
        rankings[query.query_id] = [str(hit.record.product_id) for hit in hits]
    return rankings


def evaluate_modes(
    index: ProductIndex,
    encoder: TextEncoder,
    queries: Sequence[JudgedQuery],
    qrels: dict[str, dict[str, int]],
) -> list[ModeResult]:
    """Quality and latency of each mode on ``queries`` (latency timed on a second pass)."""
    from retrieval.evaluation import evaluate_rankings

    results = []
    texts = [query.query for query in queries]
    time_queries(index, encoder, texts[:20], "hybrid")  # warm-up: caches, allocator, threads
    for mode in MODES:
        quality = evaluate_rankings(rankings_for(index, queries, mode), qrels)
        timings = time_queries(index, encoder, texts, mode)
        results.append(
            ModeResult(
                mode,
                quality.ndcg_at_10,
                quality.mrr_at_10,
                quality.recall_at_100,
                percentile(timings.wall_ms, 50),
                percentile(timings.wall_ms, 95),
                percentile(timings.cpu_ms, 50),
            )
        )
    return results


def quality_by_kind(
    index: ProductIndex, queries: Sequence[JudgedQuery], qrels: dict[str, dict[str, int]]
) -> dict[str, dict[str, float]]:
    """nDCG@10 per query kind and mode (for the per-kind table of the report)."""
    from retrieval.evaluation import evaluate_rankings

    table: dict[str, dict[str, float]] = {}
    kinds = sorted({query.kind for query in queries if query.kind})
    for mode in MODES:
        rankings = rankings_for(index, queries, mode, k=10)
        for kind in kinds:
            ids = {query.query_id for query in queries if query.kind == kind}
            subset = {qid: grades for qid, grades in qrels.items() if qid in ids}
            table.setdefault(kind, {})[mode] = evaluate_rankings(rankings, subset).ndcg_at_10
    return table


def quality_table(results: Sequence[ModeResult], build_seconds: float, products: int) -> str:
    """The markdown table of the ``search`` benchmark."""
    rate = products / build_seconds if build_seconds else 0.0
    lines = [
        "| mode | nDCG@10 | MRR@10 | Recall@100 "
        "| latency p50 (ms) | latency p95 (ms) | CPU p50 (ms) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        lines.append(
            f"| {r.mode} | {r.ndcg_at_10:.4f} | {r.mrr_at_10:.4f} | {r.recall_at_100:.4f} | "
            f"{r.latency_p50_ms:.2f} | {r.latency_p95_ms:.2f} | {r.cpu_p50_ms:.2f} |"
        )
    lines.append("")
    lines.append(
        f"Index build: {build_seconds:.1f} s for {products:,} products ({rate:,.0f} products/s)."
    )
    return "\n".join(lines)


def kind_table(by_kind: dict[str, dict[str, float]]) -> str:
    """nDCG@10 per query kind, one column per mode."""
    lines = ["| query kind | " + " | ".join(MODES) + " |", "| --- |" + " ---: |" * len(MODES)]
    for kind, scores in by_kind.items():
        lines.append(f"| {kind} | " + " | ".join(f"{scores[m]:.3f}" for m in MODES) + " |")
    return "\n".join(lines)


def run_quality(
    products: Path,
    queries_path: Path,
    qrels_path: Path,
    *,
    split: str | None = None,
    encoder: TextEncoder | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Index ``products`` with the production code and evaluate the three modes.

    Returns the JSON document of the benchmark: one object per mode plus
    ``build_seconds``, ``products``, ``queries`` and, when the queries have kinds,
    ``ndcg@10_by_kind``.
    """
    from retrieval.evaluation import read_product_rows, read_qrels, read_queries
    from retrieval.product_index import ProductIndex

    records = records_from_rows(read_product_rows(products))
    queries = [q for q in read_queries(queries_path) if split is None or q.split == split]
    if not queries:
        raise BenchmarkInputError(
            f"No queries in {queries_path}" + (f" with split {split!r}." if split else ".")
        )
    qrels = {
        qid: grades
        for qid, grades in read_qrels(qrels_path).items()
        if qid in {q.query_id for q in queries}
    }
    encoder = encoder or bench_encoder()
    started = time.perf_counter()
    index = ProductIndex.build(records, encoder, progress=progress)
    build_seconds = time.perf_counter() - started
    results = evaluate_modes(index, encoder, queries, qrels)
    document: dict[str, Any] = {result.mode: result.as_json() for result in results}
    document.update(
        build_seconds=round(build_seconds, 2),
        products=len(records),
        products_per_second=round(len(records) / build_seconds, 1) if build_seconds else 0.0,
        queries=len(queries),
        split=split or "all",
        weights=asdict(index.weights),
    )
    if any(query.kind for query in queries):
        document["ndcg@10_by_kind"] = quality_by_kind(index, queries, qrels)
    document["_table"] = quality_table(results, build_seconds, len(records))
    return document


def _search_handler(args: argparse.Namespace) -> int:
    from rich.console import Console

    console = Console()
    if args.export_demo:
        path = export_products(seed_demo_records(progress=not args.quiet), Path(args.export_demo))
        console.print(
            f"Wrote the demo catalog (seed {DEMO_SEED}, {DEMO_PRODUCTS:,} products) to {path}"
        )
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        if args.demo:
            products = Path(scratch) / "demo-products.csv"
            export_products(seed_demo_records(progress=not args.quiet), products)
            queries, qrels = DEMO_JUDGMENTS / "queries.csv", DEMO_JUDGMENTS / "qrels.csv"
        else:
            missing = [
                name for name in ("products", "queries", "qrels") if getattr(args, name) is None
            ]
            if missing:
                console.print(
                    f"Give --{', --'.join(missing)} (or --demo for the judged demo set).",
                    style="red",
                )
                return 2
            products, queries, qrels = Path(args.products), Path(args.queries), Path(args.qrels)
        document = run_quality(products, queries, qrels, split=args.split, progress=not args.quiet)
    table = document.pop("_table")
    console.print(table)
    if "ndcg@10_by_kind" in document:
        console.print(kind_table(document["ndcg@10_by_kind"]))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    if args.write_docs:
        update_section(args.section, _quality_section(document, table, args))
    return 0


def _quality_section(document: dict[str, Any], table: str, args: argparse.Namespace) -> str:
    hybrid = document["hybrid"]["ndcg@10"]
    margins = ", ".join(
        f"{hybrid - document[m]['ndcg@10']:+.4f} over {m}" for m in ("bm25", "dense")
    )
    source = (
        f"the judged demo set (`retrieval/judgments/demo/`, demo store seed {DEMO_SEED}, "
        f"{DEMO_PRODUCTS:,} products)"
        if args.demo
        else f"`{args.queries}`"
    )
    parts = [
        f"## Product search quality ({'split ' + args.split if args.split else 'all queries'})",
        "",
        stamp() + (f" {args.note}" if args.note else ""),
        "",
        f"`shopdesk bench search` on {source}, {document['queries']} queries; latency is one "
        "`ProductIndex.search` call with k=10 including the query embedding (query cache cleared "
        "before every query), 1 torch thread.",
        "",
        table,
        "",
        f"Hybrid nDCG@10 margin: {margins}.",
    ]
    if "ndcg@10_by_kind" in document:
        parts += ["", "nDCG@10 by query kind:", "", kind_table(document["ndcg@10_by_kind"])]
    return "\n".join(parts)


def add_parser(subparsers: Any) -> None:
    """Register ``shopdesk bench search``."""
    search = subparsers.add_parser(
        "search", help="product search quality (BM25, dense, hybrid) and latency"
    )
    search.add_argument(
        "--products",
        help="products CSV: product_id,title,description[,brand,category,colors,material,price]",
    )
    search.add_argument("--queries", help="queries CSV: query_id,query[,kind,split]")
    search.add_argument("--qrels", help="judgments CSV: query_id,product_id,relevance")
    search.add_argument(
        "--demo", action="store_true", help="use the judged demo set (seeds a fresh demo store)"
    )
    search.add_argument("--split", help="only queries of this split (e.g. test)")
    search.add_argument(
        "--export-demo", metavar="PATH", help="only write the demo catalog as a products CSV"
    )
    search.add_argument("--json", help="write the results as JSON here")
    search.add_argument(
        "--write-docs", action="store_true", help="write the table to docs/benchmarks.md"
    )
    search.add_argument("--section", default="search", help="section name in docs/benchmarks.md")
    search.add_argument("--note", default="", help="a remark for the report (e.g. machine load)")
    search.add_argument("--quiet", action="store_true", help="no progress bars")
    search.set_defaults(handler=_search_handler)
