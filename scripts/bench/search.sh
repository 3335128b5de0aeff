#!/usr/bin/env bash
# Product search benchmark (`shopdesk bench search`, `shopdesk bench search-scale`):
#  1. quality and latency of BM25, dense and the production hybrid on the judged demo set
#     (retrieval/judgments/demo, test split; the catalog is seeded fresh, seed 7, 2,400 products);
#  2. the same on a public set in the same format, if $SHOPDESK_BENCH_DATA/search/ has one
#     (products.csv, queries.csv, qrels.csv);
#  3. latency, memory, build speed and approximate-index recall at 100,000 demo products
#     (SHOPDESK_BENCH_SEARCH_SCALE=N for another size, 0 to skip; the embeddings are kept in
#     .shopdesk/bench-search-scale, so an interrupted run resumes).
# Writes the sections "search", "search-public" and "search-scale" of docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
SHOPDESK=".venv/bin/shopdesk"
OUT=".shopdesk/bench"
mkdir -p "$OUT"

nice -n 10 "$SHOPDESK" bench search --demo --split test --quiet --write-docs --json "$OUT/search-demo.json"

PUBLIC="${SHOPDESK_BENCH_DATA:-../shared/benchmarks}/search"
if [ -f "$PUBLIC/products.csv" ] && [ -f "$PUBLIC/queries.csv" ] && [ -f "$PUBLIC/qrels.csv" ]; then
  nice -n 10 "$SHOPDESK" bench search --products "$PUBLIC/products.csv" --queries "$PUBLIC/queries.csv" \
    --qrels "$PUBLIC/qrels.csv" --quiet --write-docs --section search-public --json "$OUT/search-public.json"
else
  echo "No public product search set in $PUBLIC (products.csv, queries.csv, qrels.csv): skipped."
fi

SCALE="${SHOPDESK_BENCH_SEARCH_SCALE:-100000}"
if [ "$SCALE" != "0" ]; then
  nice -n 10 "$SHOPDESK" bench search-scale --products "$SCALE" --work-dir .shopdesk/bench-search-scale \
    --quiet --write-docs --json "$OUT/search-scale.json"
fi
