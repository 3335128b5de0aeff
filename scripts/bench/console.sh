#!/usr/bin/env bash
# Support console benchmark (`shopdesk bench console`): generates 100,000 conversations
# (1.5 million events) into a throwaway PostgreSQL database (shopdesk_bench_console on
# 127.0.0.1:5432), lets the console index them, and times the inbox, each filter, full-text
# search and 30-day analytics. Writes the `console` section of docs/benchmarks.md.
# Set SHOPDESK_BENCH_CONSOLE_CONVERSATIONS for a smaller run.
set -euo pipefail
cd "$(dirname "$0")/../.."
nice -n 10 .venv/bin/shopdesk bench console \
  --conversations "${SHOPDESK_BENCH_CONSOLE_CONVERSATIONS:-100000}"
