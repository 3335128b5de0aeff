#!/usr/bin/env bash
# Whole-bot throughput against a stock `rasa init` bot (needs no public data).
set -euo pipefail
.venv/bin/shopdesk demo --no-serve
.venv/bin/shopdesk bench throughput --messages 300 --concurrency 4
