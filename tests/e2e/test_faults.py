"""Faults on the real servers: the shopper gets an apology, never silence, and carries on after.

A shop of its own (the e2e model, the demo store in two PostgreSQL databases, shop data and
conversations, and a Redis server of its own as lock store and rate-limit store) so the test
can break each component for real: the action server is killed with SIGKILL, a database
stops accepting connections (``ALLOW_CONNECTIONS false`` and its sessions terminated), Redis
is shut down. Each time the shopper's next message gets the apology with the "Talk to a
person" button, the cause is logged once (however many messages fail), and once the component
is back the same conversation goes on where it was. The channel limits (429 + Retry-After)
and CORS are checked on the same servers.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import pytest

from shopdesk.secrets import action_token, verification_key
from shopdesk.serve import RunningBot, ServerFailedToStart, start_bot, wait_until_up
from shopdesk.settings import PROJECT_ROOT, Settings, get_settings
from shopdesk.training import latest_model
from storage.outages import APOLOGY, TALK_TO_A_PERSON
from tests.e2e.conftest import BotClient
from tests.helpers.demo_shop import environment, seed_and_index
from tests.helpers.live_shop import TEST_PRODUCTS

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

POSTGRES = "postgresql://postgres@127.0.0.1:5432"
SENDER_LIMIT = 6
IP_LIMIT = 150
SHOP_ORIGIN = "https://shop.example.com"
TRACKING = "1Z999AA10123456784"  # order 10002's parcel (docs/demo-data.md)


def admin(sql: str) -> None:
    connection = psycopg2.connect(f"{POSTGRES}/postgres")
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
    finally:
        connection.close()


def block(database: str) -> None:
    """The database server refuses the database: new connections and open sessions."""
    admin(f"ALTER DATABASE {database} ALLOW_CONNECTIONS false")
    admin(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        f"WHERE datname = '{database}' AND pid <> pg_backend_pid()"
    )


def unblock(database: str) -> None:
    admin(f"ALTER DATABASE {database} ALLOW_CONNECTIONS true")


def start_redis(port: int, directory: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
        cwd=directory,
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        ping = subprocess.run(
            ["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True
        )
        if ping.stdout.strip() == "PONG":
            return process
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"redis-server did not start on port {port}")


@dataclass
class FaultyShop:
    """The shop's servers and the handles to break them."""

    client: BotClient
    running: RunningBot
    settings: Settings
    shop_db: str
    conversations_db: str
    redis_port: int
    redis: subprocess.Popen
    logs: Path

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")

    def kill_action_server(self) -> None:
        self.running.action_server.send_signal(signal.SIGKILL)
        self.running.action_server.wait(10)

    def restart_action_server(self) -> None:
        """Start the action server again as ``shopdesk run`` does (same command and secrets)."""
        env = {
            **os.environ,
            "SHOPDESK_ACTION_TOKEN": action_token(self.settings),
            "SHOPDESK_VERIFICATION_KEY": verification_key(self.settings),
            "SANIC_WORKERS": "1",
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "actions.server", "--port", str(self.settings.action_port)],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=open(self.logs / "action-server.log", "ab"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )
        self.running.action_server = process
        wait_until_up(
            f"http://127.0.0.1:{self.settings.action_port}/health", process, "action server", 240
        )

    def stop_redis(self) -> None:
        self.redis.terminate()
        self.redis.wait(10)

    def start_redis(self) -> None:
        self.redis = start_redis(self.redis_port, self.logs)


@pytest.fixture(scope="module")
def shop(bot, free_port, tmp_path_factory) -> Iterator[FaultyShop]:
    home = tmp_path_factory.mktemp("faults")
    logs = home / "logs"
    logs.mkdir()
    tag = secrets.token_hex(4)
    shop_db, conversations_db = f"faults_shop_{tag}", f"faults_conversations_{tag}"
    admin(f"CREATE DATABASE {shop_db}")
    admin(f"CREATE DATABASE {conversations_db}")
    redis_port = free_port()
    redis = start_redis(redis_port, logs)
    for artefact in ("product-index", "knowledge-index"):
        if (bot.settings.data_dir / artefact).exists():
            shutil.copytree(bot.settings.data_dir / artefact, home / artefact)
    overrides = {
        "SHOPDESK_DATA_DIR": str(home),
        "SHOPDESK_RASA_PORT": str(free_port()),
        "SHOPDESK_ACTION_PORT": str(free_port()),
        "SHOPDESK_API_TOKEN": "faults-api-token",
        "SHOPDESK_DATABASE_URL": f"{POSTGRES}/{shop_db}",
        "SHOPDESK_TRACKER_STORE_URL": f"{POSTGRES}/{conversations_db}",
        "SHOPDESK_LOCK_STORE_URL": f"redis://127.0.0.1:{redis_port}/0",
        "SHOPDESK_RATE_LIMIT_SENDER": str(SENDER_LIMIT),
        "SHOPDESK_RATE_LIMIT_IP": str(IP_LIMIT),
        "SHOPDESK_WIDGET_ORIGINS": SHOP_ORIGIN,
        "SHOPDESK_INDEX_DIR": "",
    }
    faulty = None
    with environment(overrides):
        try:
            settings = get_settings()
            seed_and_index(settings, TEST_PRODUCTS)
            running = start_bot(settings, latest_model(bot.settings.rasa_model_dir), log_dir=logs)
            client = BotClient(f"http://127.0.0.1:{settings.rasa_port}", running.token, settings)
            faulty = FaultyShop(
                client, running, settings, shop_db, conversations_db, redis_port, redis, logs
            )
            yield faulty
        finally:
            if faulty is not None:
                faulty.running.stop()
                redis = faulty.redis
            redis.terminate()
            redis.wait(10)
            unblock(shop_db)
            unblock(conversations_db)
            admin(f"DROP DATABASE IF EXISTS {shop_db} WITH (FORCE)")
            admin(f"DROP DATABASE IF EXISTS {conversations_db} WITH (FORCE)")


def is_apology(replies: list[dict]) -> bool:
    texts = [r.get("text") for r in replies]
    buttons = [b for r in replies for b in r.get("buttons") or []]
    return APOLOGY in texts and TALK_TO_A_PERSON in buttons


def lines_with(log: str, text: str) -> int:
    return sum(text in line for line in log.splitlines())


def test_action_server_killed_mid_conversation(shop):
    sender = "fault-action-" + secrets.token_hex(8)
    assert "email" in shop.client.text(sender, "where is my order 10002?").lower()

    shop.kill_action_server()
    first = shop.client.say(sender, "alex@example.com")
    second = shop.client.say(sender, "alex@example.com")

    assert is_apology(first) and is_apology(second)
    log = shop.log("rasa-server")
    assert lines_with(log, "The action server is unavailable") == 1
    assert "Connect" in log and "Traceback" not in log

    shop.restart_action_server()
    answer = shop.client.text(sender, "alex@example.com")

    assert TRACKING in answer
    assert lines_with(shop.log("rasa-server"), "The action server is back") == 1


def test_shop_database_down(shop):
    sender = "fault-shopdb-" + secrets.token_hex(8)
    assert "email" in shop.client.text(sender, "where is my order 10002?").lower()

    block(shop.shop_db)
    try:
        first = shop.client.say(sender, "alex@example.com")
        second = shop.client.say(sender, "alex@example.com")
    finally:
        unblock(shop.shop_db)

    assert is_apology(first) and is_apology(second)
    log = shop.log("action-server")
    assert lines_with(log, "The shop database is unavailable") == 1
    assert f'"{shop.shop_db}" is not currently accepting connections' in log
    assert "Traceback" not in log

    assert TRACKING in shop.client.text(sender, "alex@example.com")
    assert lines_with(shop.log("action-server"), "The shop database is back") == 1


def test_conversation_store_down(shop):
    sender = "fault-trackers-" + secrets.token_hex(8)
    assert "email" in shop.client.text(sender, "where is my order 10002?").lower()

    block(shop.conversations_db)
    try:
        first = shop.client.say(sender, "alex@example.com")
        second = shop.client.say(sender, "alex@example.com")
    finally:
        unblock(shop.conversations_db)

    assert is_apology(first) and is_apology(second)
    log = shop.log("rasa-server")
    assert (
        lines_with(log, "The conversation store (SHOPDESK_TRACKER_STORE_URL) is unavailable") == 1
    )
    assert "Traceback" not in log

    assert TRACKING in shop.client.text(sender, "alex@example.com")


def test_redis_down(shop):
    sender = "fault-redis-" + secrets.token_hex(8)
    assert "email" in shop.client.text(sender, "where is my order 10002?").lower()

    shop.stop_redis()
    try:
        first = shop.client.say(sender, "alex@example.com")
        second = shop.client.say(sender, "alex@example.com")
    finally:
        shop.start_redis()

    assert is_apology(first) and is_apology(second)
    log = shop.log("rasa-server")
    assert lines_with(log, "The lock store (Redis, SHOPDESK_LOCK_STORE_URL) is unavailable") == 1
    assert lines_with(log, "The rate limits' Redis") == 1  # not enforced meanwhile, said once
    assert "Traceback" not in log

    assert TRACKING in shop.client.text(sender, "alex@example.com")


def test_a_missing_or_damaged_model_stops_the_start_with_what_to_do(shop, tmp_path):
    damaged = tmp_path / "damaged.tar.gz"
    damaged.write_bytes(b"\x1f\x8b\x08\x00 not a model")
    for model, words in ((tmp_path / "gone.tar.gz", "does not exist"), (damaged, "damaged")):
        with pytest.raises(ServerFailedToStart) as refused:
            start_bot(shop.settings, model, log_dir=tmp_path)
        assert words in str(refused.value) and "shopdesk train --force" in str(refused.value)


def post(url: str, body: bytes, headers: dict[str, str] | None = None):
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status, reply.headers
    except urllib.error.HTTPError as error:
        return error.code, error.headers


def test_a_sender_over_its_limit_gets_429_with_retry_after(shop):
    sender = "fault-limit-" + secrets.token_hex(8)
    url = f"{shop.client.url}/webhooks/rest/webhook"
    statuses = []
    # Fixed one-minute windows: 2 limits + 1 messages within a minute overflow one of them.
    for _ in range(2 * SENDER_LIMIT + 1):
        status, headers = post(url, f'{{"sender": "{sender}", "message": "hi"}}'.encode())
        statuses.append(status)
        if status == 429:
            assert 1 <= int(headers["Retry-After"]) <= 60
            break

    assert statuses[-1] == 429 and set(statuses[:-1]) == {200}
    assert shop.client.say("fault-limit-other-" + secrets.token_hex(8), "hi")  # others go on


def test_cors_admits_only_the_configured_origins(shop):
    def preflight(origin: str) -> str | None:
        request = urllib.request.Request(
            f"{shop.client.url}/webhooks/rest/webhook",
            method="OPTIONS",
            headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as reply:
                return reply.headers.get("Access-Control-Allow-Origin")
        except urllib.error.HTTPError as error:
            return error.headers.get("Access-Control-Allow-Origin")

    assert preflight(SHOP_ORIGIN) == SHOP_ORIGIN
    assert preflight("https://evil.example") is None


def test_the_api_token_is_on_no_command_line_and_in_no_log(shop):
    command_lines = subprocess.run(
        ["ps", "-eo", "args"], capture_output=True, text=True, check=True
    ).stdout
    servers = [shop.running.rasa_server.pid, shop.running.action_server.pid]
    ours = subprocess.run(
        ["ps", "-o", "args", "-p", ",".join(map(str, servers))],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "bot.rasa_main run" in ours and "--auth-token" not in ours
    assert shop.client.token not in command_lines
    for log in shop.logs.glob("*.log"):
        assert shop.client.token not in log.read_text(errors="replace"), log.name


def test_an_address_over_its_limit_gets_429(shop):
    url = f"{shop.client.url}/webhooks/rest/webhook"
    for _ in range(2 * IP_LIMIT + 1):
        status, headers = post(url, b"{}")
        if status == 429:
            assert int(headers["Retry-After"]) >= 1
            return
        assert status == 400
    pytest.fail(f"{2 * IP_LIMIT + 1} requests from one address within a minute were all let in")
