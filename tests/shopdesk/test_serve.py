"""The endpoints file ``shopdesk run`` writes for the Rasa server, and stopping the servers."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from shopdesk.serve import (
    ServerFailedToStart,
    lock_store_config,
    process_tree,
    stop_processes,
    write_endpoints,
)
from shopdesk.settings import Settings


def settings_for(tmp_path: Path, **values) -> Settings:
    return Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'shop.db'}", **values)


def test_conversations_go_to_the_caching_sql_store(tmp_path: Path) -> None:
    path = write_endpoints(
        settings_for(tmp_path, tracker_cache_size=50), tmp_path / "endpoints.yml"
    )
    endpoints = yaml.safe_load(path.read_text())
    assert endpoints["tracker_store"] == {
        "type": "bot.redaction.RedactingTrackerStore",
        "dialect": "sqlite",
        "db": str(tmp_path / "conversations.db"),
        "cache_size": 50,
    }
    assert "lock_store" not in endpoints


def test_with_redaction_off_conversations_are_stored_as_typed(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, redact_pii=False)
    endpoints = yaml.safe_load(write_endpoints(settings, tmp_path / "e.yml").read_text())
    assert endpoints["tracker_store"]["type"] == "bot.tracker_store.CachingSQLTrackerStore"


def test_a_postgresql_conversation_store_keeps_its_server_and_user(tmp_path: Path) -> None:
    settings = settings_for(
        tmp_path, tracker_store_url="postgresql://shop:pw@db.internal:5433/talks"
    )
    endpoints = yaml.safe_load(write_endpoints(settings, tmp_path / "e.yml").read_text())
    store = endpoints["tracker_store"]
    assert "host" not in store  # Rasa passes the endpoint's url as host= to the store
    assert (store["dialect"], store["url"], store["port"], store["db"]) == (
        "postgresql",
        "db.internal",
        5433,
        "talks",
    )
    assert (store["username"], store["password"]) == ("shop", "pw")


def test_several_workers_share_a_redis_lock_store(tmp_path: Path) -> None:
    settings = settings_for(
        tmp_path, rasa_workers=2, lock_store_url="redis://:s3cret@10.0.0.5:6380/2"
    )
    endpoints = yaml.safe_load(write_endpoints(settings, tmp_path / "e.yml").read_text())
    assert endpoints["lock_store"] == {
        "type": "bot.lock_store.AtomicRedisLockStore",
        "url": "10.0.0.5",
        "port": 6380,
        "db": 2,
        "password": "s3cret",
    }


def test_several_workers_without_a_lock_store_are_refused_with_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ServerFailedToStart, match="set SHOPDESK_LOCK_STORE_URL=redis://"):
        write_endpoints(settings_for(tmp_path, rasa_workers=2), tmp_path / "e.yml")


@pytest.mark.parametrize("url", ["http://127.0.0.1:6379", "127.0.0.1:6379", "redis://"])
def test_a_lock_store_url_that_is_not_redis_is_refused(url: str) -> None:
    with pytest.raises(ServerFailedToStart, match="must be a Redis URL"):
        lock_store_config(url)


#: A server that, like Sanic with several workers, forks a worker and exits on SIGTERM; its
#: worker ignores SIGTERM (a worker stuck in its shutdown).
SERVER_WITH_A_STUCK_WORKER = """
import os, signal, sys, time
if os.fork() == 0:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    while True:
        time.sleep(1)
print("up", flush=True)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
while True:
    time.sleep(1)
"""


def test_stopping_a_server_also_stops_the_workers_it_leaves_behind() -> None:
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER_WITH_A_STUCK_WORKER], stdout=subprocess.PIPE
    )
    assert server.stdout is not None and server.stdout.readline() == b"up\n"
    workers = [pid for pid in process_tree([server.pid]) if pid != server.pid]
    assert len(workers) == 1

    stop_processes(server)

    deadline = time.monotonic() + 5
    while Path(f"/proc/{workers[0]}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.returncode == 0
    assert not Path(f"/proc/{workers[0]}").exists()
