#!/usr/bin/env bash
# Recommender benchmark (`shopdesk bench recsys`) on Amazon Beauty from $SHOPDESK_BENCH_DATA/recsys:
# leave-one-out, every target ranked against all items; HR/NDCG@5/10/20, training time and the
# latency of one recommend() call. Writes the section "recsys" of docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
SHOPDESK=".venv/bin/shopdesk"
OUT=".shopdesk/bench"
DATA="${SHOPDESK_BENCH_DATA:-../shared/benchmarks}/recsys/beauty.txt"
if [ ! -f "$DATA" ]; then
  echo "No recommender data set at $DATA (one 'user item item ...' line per user): skipped."
  exit 0
fi
mkdir -p "$OUT"
nice -n 10 "$SHOPDESK" bench recsys --data "$DATA" --quiet --write-docs --json "$OUT/recsys.json" \
  --note "${SHOPDESK_BENCH_NOTE:-}"
