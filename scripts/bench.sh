#!/usr/bin/env bash
# `make bench`: run every benchmark script in scripts/bench/ in turn.
# Public data sets are read from SHOPDESK_BENCH_DATA (default ../shared/benchmarks) when present.
set -euo pipefail
cd "$(dirname "$0")/.."
export SHOPDESK_BENCH_DATA="${SHOPDESK_BENCH_DATA:-$(cd .. && pwd)/shared/benchmarks}"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
status=0
for script in scripts/bench/*.sh; do
  [ -e "$script" ] || continue
  echo "== $script"
  bash "$script" || { echo "benchmark $script failed" >&2; status=1; }
done
echo "Results: docs/benchmarks.md"
exit $status
