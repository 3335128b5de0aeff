#!/usr/bin/env bash
# Whole-bot throughput against a stock `rasa init` bot (needs no public data), and the time of a
# full training of the shop bot. Writes the section "throughput" of docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
.venv/bin/shopdesk demo --no-serve
.venv/bin/shopdesk bench throughput --messages 300 --concurrency 4 --measure-training
