"""``shopdesk bench search`` and ``shopdesk bench search-scale``: product search quality and speed.

``search`` indexes a products CSV with the production :class:`ProductIndex` and compares
BM25 alone, dense alone and the production hybrid on a judged query set (nDCG@10,
MRR@10, Recall@100, query latency with the query embedding, build time).
``search-scale`` measures latency, memory, build speed and the approximate index's
recall on a large generated demo catalog (100,000 products by default).
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shopdesk.bench.report import stamp, update_section
from shopdesk.settings import PROJECT_ROOT, get_settings

if TYPE_CHECKING:
    from retrieval.embeddings import TextEncoder
    from retrieval.evaluation import JudgedQuery
    from retrieval.product_index import ProductIndex, SearchFilters
    from storage.catalog import ProductRecord

DEMO_JUDGMENTS = PROJECT_ROOT / "retrieval" / "judgments" / "demo"
#: The demo catalog the judgments were made on: seed, size and seeding date.
DEMO_SEED = 7
DEMO_PRODUCTS = 2_400
DEMO_TODAY = date(2025, 3, 14)
MODES = ("bm25", "dense", "hybrid")
PRODUCT_COLUMNS = (
    "product_id",
    "title",
    "description",
    "brand",
    "category",
    "colors",
    "material",
    "price",
)
_LIST_SEPARATOR = "|"
_UPDATED_AT = datetime(2025, 1, 1)


class BenchmarkInputError(ValueError):
    """The benchmark's input files do not fit together (for example non-numeric product ids)."""


# ----------------------------------------------------------------------------- data


def records_from_rows(rows: Sequence[dict[str, str]]) -> list[ProductRecord]:
    """Products CSV rows as :class:`ProductRecord`; columns beyond id/title/description are optional.

    Product ids must be whole numbers (the FAISS index stores products under integer ids).
    """
    from storage.catalog import ProductRecord

    records = []
    for number, row in enumerate(rows, start=2):
        try:
            product_id = int(row["product_id"])
        except ValueError as exc:
            raise BenchmarkInputError(
                f"products CSV line {number}: product_id {row['product_id']!r} is not a whole "
                "number; number the products 1, 2, 3 ... and use the same ids in the judgments."
            ) from exc
        records.append(
            ProductRecord(
                product_id=product_id,
                handle=str(product_id),
                title=row["title"],
                brand=row.get("brand") or None,
                category=row.get("category") or None,
                description=row.get("description") or "",
                price=float(row.get("price") or 0.0),
                currency="USD",
                colors=tuple(c for c in (row.get("colors") or "").split(_LIST_SEPARATOR) if c),
                sizes=(),
                material=row.get("material") or None,
                rating=None,
                stock=1,
                skus=(),
                image_url=None,
                final_sale=False,
                updated_at=_UPDATED_AT,
            )
        )
    return records


def seed_demo_records(
    product_count: int = DEMO_PRODUCTS,
    seed: int = DEMO_SEED,
    *,
    directory: Path | None = None,
    progress: bool = True,
) -> list[ProductRecord]:
    """The products of a freshly seeded demo store (SQLite, kept in ``directory`` when given)."""
    from storage.catalog import iter_product_records
    from storage.db import create_engine_for, session_factory
    from storage.demo_store import seed_demo_store
    from storage.migrations import upgrade

    with tempfile.TemporaryDirectory() as scratch:
        folder = directory or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        database = folder / f"demo-{product_count}-seed{seed}.db"
        url = f"sqlite:///{database}"
        engine = create_engine_for(url)
        try:
            sessions = session_factory(engine)
            if not database.exists() or database.stat().st_size == 0 or not _has_products(sessions):
                upgrade(engine)
                with sessions() as session:
                    seed_demo_store(
                        session,
                        DEMO_TODAY,
                        seed=seed,
                        product_count=product_count,
                        progress=progress,
                    )
            with sessions() as session:
                return list(iter_product_records(session))
        finally:
            engine.dispose()


def _has_products(sessions: Any) -> bool:
    from sqlalchemy import func, select
    from sqlalchemy.exc import OperationalError

    from storage.schema import Product

    try:
        with sessions() as session:
            return bool(session.execute(select(func.count()).select_from(Product)).scalar_one())
    except OperationalError:
        return False


def export_products(records: Sequence[ProductRecord], path: Path) -> Path:
    """Write ``records`` as a products CSV (id, title, description and the optional attributes)."""
    from retrieval.evaluation import write_csv

    return write_csv(
        path,
        PRODUCT_COLUMNS,
        (
            (
                r.product_id,
                r.title,
                r.description,
                r.brand or "",
                r.category or "",
                _LIST_SEPARATOR.join(r.colors),
                r.material or "",
                f"{r.price:.2f}",
            )
            for r in records
        ),
    )


#: Words a price phrase leaves behind at the end of a query once its amounts are removed.
_PRICE_LEFTOVERS = re.compile(
    r"(?:\s*\b(?:under|below|less than|cheaper than|up to|at most|no more than|over|above|more than|"
    r"at least|between|from|and|to|for|dollars?|bucks)\b)+\s*$",
    re.IGNORECASE,
)


def parse_query(text: str) -> tuple[str, SearchFilters]:
    """Split a shopper's query into search words and price filters, as the bot does.

    The bot's NLU finds price phrases with :func:`retrieval.message_attributes.extract_price_bounds`
    and the search action removes them from the query; this does the same for a query string.
    """
    from retrieval.message_attributes import extract_price_bounds
    from retrieval.product_index import SearchFilters

    mentions = extract_price_bounds(text)
    bounds = {mention.entity: float(mention.value) for mention in mentions}
    for mention in sorted(mentions, key=lambda m: m.start, reverse=True):
        text = text[: mention.start] + " " + text[mention.end :]
    text = _PRICE_LEFTOVERS.sub("", " ".join(text.split()))
    return text.strip(), SearchFilters(
        price_min=bounds.get("price_min"), price_max=bounds.get("price_max")
    )


# ----------------------------------------------------------------------------- quality


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


@dataclass(frozen=True)
class Timings:
    """Wall-clock and CPU seconds of each timed search call."""

    wall: list[float]
    cpu: list[float]


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


def evaluate_modes(
    index: ProductIndex,
    encoder: TextEncoder,
    queries: Sequence[JudgedQuery],
    qrels: dict[str, dict[str, int]],
) -> list[ModeResult]:
    """Quality and latency of each mode on ``queries`` (latency over two passes, first discarded)."""
    from retrieval.evaluation import evaluate_rankings, percentile_ms

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
                percentile_ms(timings.wall, 50),
                percentile_ms(timings.wall, 95),
                percentile_ms(timings.cpu, 50),
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
        "| mode | nDCG@10 | MRR@10 | Recall@100 | latency p50 (ms) | latency p95 (ms) | CPU p50 (ms) |",
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


def _encoder(max_seq_length: int | None = None) -> TextEncoder:
    import torch

    from retrieval.embeddings import TextEncoder

    settings = get_settings()
    torch.set_num_threads(settings.torch_threads)
    return TextEncoder(settings.embedding_model, max_seq_length=max_seq_length)


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
    encoder = encoder or _encoder()
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


# ----------------------------------------------------------------------------- scale


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
    """Mean share of the exact dense top ``k`` (same filters) that the index's dense search returns."""
    import numpy as np

    shares = []
    ids = index.product_ids()
    for query, chosen in zip(queries, filters):
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
    from retrieval.evaluation import percentile_ms, read_queries
    from retrieval.product_index import ProductIndex, SearchFilters
    from retrieval.product_text import embedding_text

    settings = get_settings()
    threshold = approximate_threshold or settings.approximate_index_threshold
    records = seed_demo_records(product_count, directory=work_dir, progress=progress)
    encoder = _encoder(document_max_tokens)
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
        "latency_p50_ms": round(percentile_ms(filtered.wall, 50), 2),
        "latency_p95_ms": round(percentile_ms(filtered.wall, 95), 2),
        "cpu_p50_ms": round(percentile_ms(filtered.cpu, 50), 2),
        "cpu_p95_ms": round(percentile_ms(filtered.cpu, 95), 2),
        "latency_unfiltered_p50_ms": round(percentile_ms(plain.wall, 50), 2),
        "latency_unfiltered_p95_ms": round(percentile_ms(plain.wall, 95), 2),
        "recall@10_vs_exact_filtered": round(recall, 4),
        "recall@10_vs_exact_unfiltered": round(recall_unfiltered, 4),
        "memory_bytes": memory,
        "process_rss_growth_mib": round(rss_after - rss_before, 1),
        "queries": len(texts),
        "document_max_tokens": document_max_tokens,
    }


def _scale_section(document: dict[str, Any], note: str) -> str:
    memory = document["memory_bytes"]
    mib = {name: value / 2**20 for name, value in memory.items()}
    return "\n".join(
        [
            f"## Product search at scale ({document['products']:,} demo products)",
            "",
            stamp() + (f" {note}" if note else ""),
            "",
            "`shopdesk bench search-scale`: demo store seed 7, hybrid search with k=10, the query "
            f"embedding included (cache cleared every query), 1 torch thread, {document['queries']} "
            "queries of the judged demo set; filtered = a mix of none / price / category / "
            "color+price / category+color+in-stock.",
            "",
            "| measure | value | target |",
            "| --- | ---: | --- |",
            f"| latency p50, filtered | {document['latency_p50_ms']:.2f} ms | ≤ 10 ms |",
            f"| latency p95, filtered | {document['latency_p95_ms']:.2f} ms | ≤ 25 ms |",
            f"| CPU time per query p50 / p95, filtered | {document['cpu_p50_ms']:.2f} / "
            f"{document['cpu_p95_ms']:.2f} ms | |",
            f"| latency p50 / p95, no filters | {document['latency_unfiltered_p50_ms']:.2f} / "
            f"{document['latency_unfiltered_p95_ms']:.2f} ms | |",
            f"| dense index | {document['index_type']} ({document['ivf_lists']} lists, "
            f"{document['ivf_probe']} probed) | approximate above the threshold |",
            f"| recall@10 of the approximate index vs exact, filtered / unfiltered | "
            f"{document['recall@10_vs_exact_filtered']:.3f} / {document['recall@10_vs_exact_unfiltered']:.3f} | ≥ 0.95 |",
            f"| index memory: vectors / BM25 / attributes | {mib['vectors']:.0f} / {mib['bm25']:.0f} / "
            f"{mib['attributes']:.0f} MiB | reported |",
            f"| process memory growth during build | {document['process_rss_growth_mib']:.0f} MiB | |",
            f"| build time | {document['build_seconds']:.0f} s ({document['products_per_second']:.0f} products/s) | progress shown, resumable |",
            "",
            (
                f"Product texts were cut after {document['document_max_tokens']} word pieces for this run "
                "(the machine's cores were shared), so the build is faster than with full texts; "
                "latency, memory and recall do not depend on the text length."
                if document["document_max_tokens"]
                else "Full product texts were embedded."
            ),
            f"{document['embedding_chunks_reused']} embedding chunks were reused from an earlier, "
            "interrupted run."
            if document["embedding_chunks_reused"]
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
    """Register ``shopdesk bench search`` and ``shopdesk bench search-scale``."""
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
