#!/usr/bin/env bash
# Start the local PostgreSQL, Redis and RabbitMQ servers the test suite talks to, when they are not running.
set -uo pipefail
pg_up() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
if ! pg_up; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    echo "PostgreSQL is down; starting it" >&2
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
    for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  fi
fi
pg_up || echo "warning: PostgreSQL is not reachable on 127.0.0.1:5432; the PostgreSQL tests will fail and say so" >&2
redis_up() { (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; }
if ! redis_up && command -v redis-server >/dev/null 2>&1; then
  echo "Redis is down; starting it" >&2
  redis-server --port 6379 --bind 127.0.0.1 --daemonize yes --save '' --appendonly no >/dev/null || true
  for _ in $(seq 1 10); do redis_up && break; sleep 1; done
fi
redis_up || echo "warning: Redis is not reachable on 127.0.0.1:6379; the multi-worker tests will fail and say so" >&2
rabbit_up() { (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; }
if ! rabbit_up && command -v rabbitmq-server >/dev/null 2>&1; then
  echo "RabbitMQ is down; starting it" >&2
  (command -v service >/dev/null 2>&1 && service rabbitmq-server start >/dev/null 2>&1) \
    || rabbitmq-server -detached >/dev/null 2>&1 || true
  for _ in $(seq 1 60); do rabbit_up && break; sleep 1; done
fi
rabbit_up || echo "warning: RabbitMQ is not reachable on 127.0.0.1:5672; the event broker tests will fail and say so" >&2
exit 0
