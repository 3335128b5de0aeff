#!/usr/bin/env bash
# Three Rasa replicas sharing a throwaway PostgreSQL conversation database and the Redis lock
# store: 300 conversations of 10 messages at once, each message to a random replica, then the
# same with one replica killed (SIGKILL) a third of the way; for comparison the same replicas
# with Rasa 3.6's own RedisLockStore. Needs no public data.
# Writes the section "scale-out" of docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
.venv/bin/shopdesk demo --no-serve
scripts/ensure-services.sh   # PostgreSQL and Redis
.venv/bin/shopdesk bench scale-out --replicas 3 --conversations 300 --messages 10 --compare-rasa-lock-store
