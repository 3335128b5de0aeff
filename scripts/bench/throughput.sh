#!/usr/bin/env bash
# Whole-bot throughput (1 and 2 Rasa workers) against a stock `rasa init` bot (1 and 2 workers),
# then the shop bot held at 1, 2 and 3 times the stock bot's messages/s, and the time of a full
# training of the shop bot (needs no public data). Writes the section "throughput" of
# docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
.venv/bin/shopdesk demo --no-serve
scripts/ensure-services.sh   # Redis, for the lock store of the 2-worker row
.venv/bin/shopdesk bench throughput --messages 1000 --concurrency 20 --rasa-workers 1 2 --stock-workers 1 2 --held-times 1 2 3 --measure-training
